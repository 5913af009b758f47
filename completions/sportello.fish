# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sportello_global_optspecs
    string join \n database-url= home= operator= format= wide no-headers v/verbose q/quiet h/help V/version
end

function __fish_sportello_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sportello_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sportello_using_subcommand
    set -l cmd (__fish_sportello_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sportello -n "__fish_sportello_needs_command" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_needs_command" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_needs_command" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_needs_command" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_needs_command" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_needs_command" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_needs_command" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_needs_command" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_needs_command" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_needs_command" -s V -l version -d 'Print version'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "db" -d 'Manage the database: the embedded cluster and the migrations'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "key" -d 'The service key of the keyed hashes: create, compare, rotate'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "operator" -d 'Manage desk operators and their competence'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "register" -d 'Register a citizen at the desk (pre-filled from the CIA and AURA registries)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "search" -d 'Search registrations with the filters of the desk\'s search page'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "show" -d 'Show every field of one registration'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "history" -d 'List everything done on one registration: operations booked (ente, operator, delegate, outcome), letters printed, codes sent, edits, completions. Never a code'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "book" -d 'Book an operation (verification, promotion, reset, pin, revocation) and hand over its letters'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "regenerate-code" -d 'A new activation code (PIN unchanged; the old code stops working)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "print-letters" -d 'Print again the summary, the rules, the proxy form or a new activation code'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "edit" -d 'Change the personal data of a registration'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "edit-delegate" -d 'Change the delegate of the active operation'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "change-residence" -d 'Move the residence into a municipality of the operator\'s competence'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "username" -d 'Tell a citizen their username, after the identity check'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "spid-token" -d 'SPID: issue the in-person identification as an AgID R.A.O. token; `verify` checks one'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "suspend" -d 'Suspend a registration\'s credentials, with a reason (nothing completes until reinstated)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "reinstate" -d 'End a suspension: everything is as it was before it'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "revoke" -d 'Revoke credentials requested by registered letter (one, or a batch file)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "runs" -d 'List batch runs (imports, postal runs, revocations, mailbox) and their counts'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "citizen" -d 'What the citizen completes online: activation, revocation'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "audit" -d 'List the audit log (who did what, when, from where)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "import-cia" -d 'Import a municipal registry (CIA) export'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "import-aura" -d 'Import a health-service registry (AURA) export'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "stats" -d 'Statistics for the Region: counts by period and dimension, or records without identity'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "reference" -d 'List the provinces, municipalities and foreign states sportello knows'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "doctor" -d 'Check this machine: settings and where they came from, connection, TLS, authentication, migrations, service key, letters and outbox directories, clock'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish)'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "man" -d 'Print the manual page of sportello or of one of its commands'
complete -c sportello -n "__fish_sportello_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "status" -d 'Where the database is, whether it runs, which migrations are applied'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "start" -d 'Create (first time) and start the embedded cluster, and apply the migrations'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "keep-warm" -d 'Keep warm connections for this OS user\'s next commands (started by the commands)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "stop" -d 'Stop the embedded cluster; it stays stopped until `db start`'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "migrate" -d 'Apply the migrations of sql/ that are not applied yet'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "backup" -d 'Back the database up with pg_dump (custom format) into a new file, readable by you only'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "restore" -d 'Replace the database with a backup made by `db backup` (pg_restore)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and not __fish_seen_subcommand_from status start keep-warm stop migrate backup restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from keep-warm" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Where the database is, whether it runs, which migrations are applied'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "start" -d 'Create (first time) and start the embedded cluster, and apply the migrations'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "keep-warm" -d 'Keep warm connections for this OS user\'s next commands (started by the commands)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the embedded cluster; it stays stopped until `db start`'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply the migrations of sql/ that are not applied yet'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Back the database up with pg_dump (custom format) into a new file, readable by you only'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Replace the database with a backup made by `db backup` (pg_restore)'
complete -c sportello -n "__fish_sportello_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -f -a "init" -d 'Create the service key: 32 random bytes, readable by its owner only (0600)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -f -a "fingerprint" -d 'Print the key\'s fingerprint (to compare machines) and those of the keys it replaced'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -f -a "rotate" -d 'Replace the key with a new one; codes and PINs of the old key stay valid until they expire'
complete -c sportello -n "__fish_sportello_using_subcommand key; and not __fish_seen_subcommand_from init fingerprint rotate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from fingerprint" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the service key: 32 random bytes, readable by its owner only (0600)'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "fingerprint" -d 'Print the key\'s fingerprint (to compare machines) and those of the keys it replaced'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace the key with a new one; codes and PINs of the old key stay valid until they expire'
complete -c sportello -n "__fish_sportello_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "bootstrap" -d 'Add the first administrator of a new database (the schema owner only, once), or with --repair repair, extend or add an administrator (the schema owner only, at any time)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "add" -d 'Add an operator (administrators; never beyond their own competence, FSE and roles)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "grant" -d 'Grant roles to an operator (administrators; only roles they hold)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "revoke-role" -d 'Take roles away from an operator'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "competence" -d 'Replace an operator\'s competence (within the administrator\'s own)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "disable" -d 'Disable an operator: the login can no longer connect and loses its roles; the history stays'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "enable" -d 'Enable a disabled operator again, with the roles given'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "list" -d 'List the operators'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "show" -d 'Show one operator'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "whoami" -d 'Who the database authenticated you as, your roles and competence'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and not __fish_seen_subcommand_from bootstrap add grant revoke-role competence disable enable list show whoami help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l name -d 'Full name' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l ente -d 'Organisation the operator belongs to' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l province -d 'A province of competence (code or name); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l municipality -d 'A municipality of competence (name, ISTAT or cadastral code); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l role -d 'A role to grant; repeatable or comma-separated' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l repair -d 'Repair, extend or add an administrator of a database that has operators already'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l fse -d 'Authorised for the electronic health record (FSE)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from bootstrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l name -d 'Full name' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l ente -d 'Organisation the operator belongs to' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l province -d 'A province of competence (code or name); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l municipality -d 'A municipality of competence (name, ISTAT or cadastral code); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l role -d 'A role to grant; repeatable or comma-separated' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l fse -d 'Authorised for the electronic health record (FSE)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l role -d 'A role; repeatable or comma-separated' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l role -d 'A role; repeatable or comma-separated' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from revoke-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l province -d 'A province of the new competence (code or name); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l municipality -d 'A municipality of the new competence (name, ISTAT or cadastral code); repeatable' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from competence" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l role -d 'A role to give back; repeatable or comma-separated' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from whoami" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "bootstrap" -d 'Add the first administrator of a new database (the schema owner only, once), or with --repair repair, extend or add an administrator (the schema owner only, at any time)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an operator (administrators; never beyond their own competence, FSE and roles)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Grant roles to an operator (administrators; only roles they hold)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "revoke-role" -d 'Take roles away from an operator'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "competence" -d 'Replace an operator\'s competence (within the administrator\'s own)'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disable an operator: the login can no longer connect and loses its roles; the history stays'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enable a disabled operator again, with the roles given'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the operators'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one operator'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "whoami" -d 'Who the database authenticated you as, your roles and competence'
complete -c sportello -n "__fish_sportello_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand register" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l province -d 'Province of residence (code or name; EE for residents abroad)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l municipality -d 'Municipality of residence (name, ISTAT or cadastral code; ESTERO abroad)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l community -d 'Community of registration (cannot be changed later)' -r -f -a "sistemapiemonte\t''
torinofacile\t''
torinofacile light\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l first-name -d 'First name(s), as on the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l last-name -d 'Surname(s), as on the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l birth-date -d 'Date of birth, YYYY-MM-DD or DD/MM/YYYY (must agree with the fiscal code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l sex -d 'Sex, M or F (must agree with the fiscal code)' -r -f -a "M\t''
F\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l doc-type -d 'Type of the identity document shown' -r -f -a "identity-card\t''
passport\t''
driving-licence\t''
residence-permit\t''
boat-licence\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l doc-number -d 'Number of the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l doc-issued -d 'Issue date of the identity document, YYYY-MM-DD or DD/MM/YYYY' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l doc-issuer -d 'Who issued the identity document ("Rilasciato da"), e.g. "Comune di Torino"' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l address -d 'Street of residence (e.g. "Via Roma")' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l street-number -d 'Street number of the residence, with suffix and internal number if any (e.g. 23/B int. 4)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l postcode -d 'Postcode of the residence: 5 digits, one of the municipality\'s' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l city -d 'City of residence abroad' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l country -d 'Country of residence abroad (name or Z code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-care-of -d 'Domicile: "care of" (c/o)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-address -d 'Domicile: street' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-street-number -d 'Domicile: street number' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-province -d 'Domicile: province (code or name)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-municipality -d 'Domicile: municipality (name, ISTAT or cadastral code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-postcode -d 'Domicile: postcode (5 digits)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l email -d 'Email address for the activation code (one address; no certified mail, PEC)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l mobile -d 'Mobile phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l phone -d 'Landline phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l note -d 'Note for the desk ("comunicazione allo sportello")' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l other-notes -d 'Other notes' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-kind -d 'Kind of delegation: a signed proxy form, or a substitute declaration for persons under guardianship or unable to sign' -r -f -a "proxy\t''
guardianship\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-first-name -d 'Delegate\'s first name (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-last-name -d 'Delegate\'s surname (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-cf -d 'Delegate\'s fiscal code (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-doc-type -d 'Delegate\'s identity document type (required with --delegate-kind)' -r -f -a "identity-card\t''
passport\t''
driving-licence\t''
residence-permit\t''
boat-licence\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-doc-number -d 'Delegate\'s document number (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-doc-issued -d 'Issue date of the delegate\'s document, YYYY-MM-DD (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-doc-issuer -d 'Who issued the delegate\'s document (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-email -d 'Delegate\'s email address' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l delegate-phone -d 'Delegate\'s phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand register" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand register" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand register" -l dom-send-mail -d 'Send letters to the domicile rather than the residence'
complete -c sportello -n "__fish_sportello_using_subcommand register" -l print-code -d 'Print the activation code too, even when it is emailed'
complete -c sportello -n "__fish_sportello_using_subcommand register" -l no-prompt -d 'Never prompt, even on a terminal'
complete -c sportello -n "__fish_sportello_using_subcommand register" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand register" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand register" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand register" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand register" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand search" -l community -d 'Community of registration' -r -f -a "sistemapiemonte\t''
torinofacile\t''
torinofacile light\t''"
complete -c sportello -n "__fish_sportello_using_subcommand search" -l cf -d 'Fiscal code, whole or its beginning' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l last-name -d 'Surname, or its beginning' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l first-name -d 'First name, or its beginning' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l province -d 'Province of residence (code or name)' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l municipality -d 'Municipality of residence (name, ISTAT or cadastral code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l from -d 'Registered on or after this day' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l to -d 'Registered on or before this day' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l state -d 'State of the registration' -r -f -a "registrato\t''
riscontrato\t''
attivato\t''
respinto\t''"
complete -c sportello -n "__fish_sportello_using_subcommand search" -l strong -d 'Strong credentials' -r -f -a "y\t''
n\t''
all\t''"
complete -c sportello -n "__fish_sportello_using_subcommand search" -l number -d 'Registration number (exact)' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l limit -d 'At most this many results (a page): 1 to 10000' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l offset -d 'Skip this many results first' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l page -d 'Show this page of results (1 is the first; pages are --limit long)' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand search" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand search" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand search" -l suspended -d 'Only registrations whose credentials are suspended'
complete -c sportello -n "__fish_sportello_using_subcommand search" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand search" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand search" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand search" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand search" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand show" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand show" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand show" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand show" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand show" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand show" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand show" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand show" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand show" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand show" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand show" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand history" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand history" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand history" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand history" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand history" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand history" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand history" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand history" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand history" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand history" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand history" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand book" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l operation -d 'The operation' -r -f -a "verification\t''
promotion\t''
reset\t''
pin\t''
revocation\t''"
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-kind -d 'Kind of delegation: a signed proxy form, or a substitute declaration for persons under guardianship or unable to sign' -r -f -a "proxy\t''
guardianship\t''"
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-first-name -d 'Delegate\'s first name (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-last-name -d 'Delegate\'s surname (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-cf -d 'Delegate\'s fiscal code (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-doc-type -d 'Delegate\'s identity document type (required with --delegate-kind)' -r -f -a "identity-card\t''
passport\t''
driving-licence\t''
residence-permit\t''
boat-licence\t''"
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-doc-number -d 'Delegate\'s document number (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-doc-issued -d 'Issue date of the delegate\'s document, YYYY-MM-DD (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-doc-issuer -d 'Who issued the delegate\'s document (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-email -d 'Delegate\'s email address' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l delegate-phone -d 'Delegate\'s phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand book" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand book" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand book" -l print-code -d 'Print the activation or revocation code too, even when it is emailed'
complete -c sportello -n "__fish_sportello_using_subcommand book" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand book" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand book" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand book" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand book" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l mailbox -d 'Process the helpdesk\'s emailed requests in this directory' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l print-code -d 'Print the new code as a letter instead of emailing it'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l dry-run -d 'With --mailbox: classify the requests and report; answer, record and move nothing'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand regenerate-code" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l province -d 'Postal run: only this province' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l limit -d 'Postal run: at most this many letters' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l batch-size -d 'Postal run: letters per PDF file' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l out -d 'Postal run: where the PDF files and manifests go (default: SPORTELLO_HOME/postal)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l summary -d 'The data summary'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l rules -d 'The service rules (Regolamento), pre-filled for signature'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l proxy-form -d 'The proxy form (Modulo delega), pre-filled'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l guardianship -d 'The substitute declaration for persons under guardianship or unable to sign'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l activation-code -d 'A new activation code, printed'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l pin-by-post -d 'Send a new PIN by post with the next postal run'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l postal-run -d 'Print the PIN letters that are due, for the print shop'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l dry-run -d 'Postal run: count the letters due and the files they would fill; print nothing'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand print-letters" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l first-name -d 'First name(s), as on the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l last-name -d 'Surname(s), as on the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l birth-date -d 'Date of birth, YYYY-MM-DD or DD/MM/YYYY (must agree with the fiscal code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l sex -d 'Sex, M or F (must agree with the fiscal code)' -r -f -a "M\t''
F\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l doc-type -d 'Type of the identity document shown' -r -f -a "identity-card\t''
passport\t''
driving-licence\t''
residence-permit\t''
boat-licence\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l doc-number -d 'Number of the identity document' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l doc-issued -d 'Issue date of the identity document, YYYY-MM-DD or DD/MM/YYYY' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l doc-issuer -d 'Who issued the identity document ("Rilasciato da"), e.g. "Comune di Torino"' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l address -d 'Street of residence (e.g. "Via Roma")' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l street-number -d 'Street number of the residence, with suffix and internal number if any (e.g. 23/B int. 4)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l postcode -d 'Postcode of the residence: 5 digits, one of the municipality\'s' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l city -d 'City of residence abroad' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l country -d 'Country of residence abroad (name or Z code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-care-of -d 'Domicile: "care of" (c/o)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-address -d 'Domicile: street' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-street-number -d 'Domicile: street number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-province -d 'Domicile: province (code or name)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-municipality -d 'Domicile: municipality (name, ISTAT or cadastral code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-postcode -d 'Domicile: postcode (5 digits)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l email -d 'Email address for the activation code (one address; no certified mail, PEC)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l mobile -d 'Mobile phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l phone -d 'Landline phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l note -d 'Note for the desk ("comunicazione allo sportello")' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l other-notes -d 'Other notes' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l dom-send-mail -d 'Send letters to the domicile rather than the residence'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand edit" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-kind -d 'Kind of delegation: a signed proxy form, or a substitute declaration for persons under guardianship or unable to sign' -r -f -a "proxy\t''
guardianship\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-first-name -d 'Delegate\'s first name (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-last-name -d 'Delegate\'s surname (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-cf -d 'Delegate\'s fiscal code (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-doc-type -d 'Delegate\'s identity document type (required with --delegate-kind)' -r -f -a "identity-card\t''
passport\t''
driving-licence\t''
residence-permit\t''
boat-licence\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-doc-number -d 'Delegate\'s document number (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-doc-issued -d 'Issue date of the delegate\'s document, YYYY-MM-DD (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-doc-issuer -d 'Who issued the delegate\'s document (required with --delegate-kind)' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-email -d 'Delegate\'s email address' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l delegate-phone -d 'Delegate\'s phone number' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand edit-delegate" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l province -d 'Province (code or name; EE abroad)' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l municipality -d 'Municipality (name, ISTAT or cadastral code; ESTERO abroad)' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l address -d 'Street of the new residence' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l street-number -d 'Street number, with suffix and internal number if any' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l postcode -d 'Postcode (CAP, 5 digits, one of the municipality\'s)' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l city -d 'City abroad' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l country -d 'Country abroad (name or Z code)' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand change-residence" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand username" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand username" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand username" -l document -d 'Number of the identity document checked at the desk' -r
complete -c sportello -n "__fish_sportello_using_subcommand username" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand username" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand username" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand username" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand username" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand username" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand username" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand username" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand username" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l doc-expiry -d 'Expiry date of the identity document shown, YYYY-MM-DD or DD/MM/YYYY' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l card -d 'The card read for the electronic identification: ts (health card) or cf (fiscal-code card)' -r -f -a "ts\t''
cf\t''"
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l card-serial -d 'Serial number of that card' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l idp -d 'Model a: the identity provider the citizen chose (name or entityID of the spid_idps file)' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Check a token as an identity provider does (annex §4.9), with the annex\'s response codes'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l ca -d 'PEM file of AgID\'s sub-CA for R.A.O. seals (the trust anchor)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l entity-id -d 'This IdP\'s entityID (checked against aud of a model a token)' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l attempts-dir -d 'Where wrong passphrases are counted (default: SPORTELLO_HOME/spid-attempts)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l receipt -d 'Only the checks on receipt (model a\'s /raoic): no passphrase, no decryption'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a token as an identity provider does (annex §4.9), with the annex\'s response codes'
complete -c sportello -n "__fish_sportello_using_subcommand spid-token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l reason -d 'Why the credentials are suspended' -r -f -a "citizen-request\t''
lost-pin-letter\t''
suspected-fraud\t''"
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand suspend" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l number -d 'Registration number' -r
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand reinstate" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l letters -d 'A batch of registered letters' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l encoding -d 'Text encoding of the batch: utf-8 (the default), windows-1252 (also latin-1, cp1252), or another WHATWG label' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l report -d 'Write the letters not honoured (line, field, value, reason) to this CSV file; - for standard output' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l cf -d 'One letter: the citizen\'s fiscal code' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l letter-protocol -d 'One letter: its protocol number' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l first-name -d 'One letter: first name as written' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l last-name -d 'One letter: last name as written' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l doc-number -d 'One letter: identity document number' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l doc-issued -d 'One letter: document issue date' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l letter-date -d 'One letter: the date of its protocol' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l dry-run -d 'Check every letter against the records and report; revoke nothing'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -s y -l yes -d 'One letter: do not ask for confirmation on a terminal (never asked otherwise)'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l kind -d 'Only runs of this kind' -r -f -a "import-cia\t''
import-aura\t''
postal-run\t''
helpdesk-mailbox\t''
revoke-letters\t''"
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l limit -d 'At most this many runs (newest first)' -r
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand runs" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand runs" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand runs" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand runs" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -f -a "activate" -d 'Complete a verification, promotion, reset or PIN regeneration with the codes received'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -f -a "revoke" -d 'Complete a revocation with the revocation code: credentials disabled, personal data erased'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and not __fish_seen_subcommand_from activate revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l username -d 'Username to choose (verification, reset)' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l question -d 'Secret question' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l accept-rules -d 'Accept the service rules (Regolamento)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from activate" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l cf -d 'Fiscal code of the citizen' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from help" -f -a "activate" -d 'Complete a verification, promotion, reset or PIN regeneration with the codes received'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Complete a revocation with the revocation code: credentials disabled, personal data erased'
complete -c sportello -n "__fish_sportello_using_subcommand citizen; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l by-operator -d 'Only what this operator did (the operator named, or the login the database stamped)' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l action -d 'Only this action (`command`: a command that failed or was refused)' -r -f -a "register\t''
search\t''
view\t''
registration-read\t''
history\t''
book\t''
regenerate-code\t''
print\t''
email\t''
edit\t''
edit-delegate\t''
change-residence\t''
username-recovery\t''
pin-by-post\t''
suspend\t''
reinstate\t''
operator-add\t''
operator-enable\t''
operator-disable\t''
operator-competence\t''
operator-revoke-role\t''
operator-grant\t''
operator-list\t''
operator-view\t''
operator-repair\t''
audit-list\t''
audit-verify\t''
runs\t''
import-cia\t''
import-aura\t''
import-chunk\t''
import-departures\t''
import-deaths\t''
preload\t''
registry-read\t''
postal-run\t''
postal-batch\t''
helpdesk-mailbox\t''
revoke-letter\t''
revoke-letters\t''
revoke-death\t''
citizen-wrong-code\t''
citizen-activate\t''
citizen-revoke\t''
stats\t''
spid-token\t''
command\t''"
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l target -d 'Only records about this target (a fiscal code, an operator id, a file)' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l from -d 'From this day' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l to -d 'Up to this day' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l limit -d 'At most this many records (newest first)' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Check the hash chain of the audit log: report the first changed, missing or inserted row (exit 9), else print the head hash to keep elsewhere'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l head -d 'A head hash printed by an earlier verification: it must still be a link of the chain' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l server-log -d 'The PostgreSQL server\'s log: list the audit rows it names that the chain does not hold (done, then rolled back with their transaction), and apart those of transactions still in progress' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain of the audit log: report the first changed, missing or inserted row (exit 9), else print the head hash to keep elsewhere'
complete -c sportello -n "__fish_sportello_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l encoding -d 'Text encoding of the file: utf-8, windows-1252 (also latin-1, cp1252), or another WHATWG label' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l rejects -d 'Write the rejected rows to this CSV file (line, field, value, reason); - for standard output' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l max-removals -d 'With --full-snapshot: remove at most N residents (default: 5% of the mirror); more are refused' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l max-deaths -d 'With a death_date column: revoke at most N registrations by deaths in this run (default: 5% of the registrations, at least 10); more stop the run' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l departures -d 'With --full-snapshot: write the fiscal codes removed (or, with --dry-run, to be removed) to this CSV file; - for standard output' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l preload -d 'Pre-load the residents of this province or municipality not yet registered (repeatable)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l chunk-size -d 'Rows per transaction (the first and the last chunks fewer)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l writers -d 'Database sessions writing chunks side by side (they still commit in file order)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l full-snapshot -d 'The file is the whole registry: residents missing from it have ceased and are removed'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l dry-run -d 'Validate and report; write nothing'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l force -d 'Import even if this very file was imported before'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand import-cia" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l encoding -d 'Text encoding of the file: utf-8, windows-1252 (also latin-1, cp1252), or another WHATWG label' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l rejects -d 'Write the rejected rows to this CSV file (line, field, value, reason); - for standard output' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l max-removals -d 'With --full-snapshot: remove at most N residents (default: 5% of the mirror); more are refused' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l max-deaths -d 'With a death_date column: revoke at most N registrations by deaths in this run (default: 5% of the registrations, at least 10); more stop the run' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l departures -d 'With --full-snapshot: write the fiscal codes removed (or, with --dry-run, to be removed) to this CSV file; - for standard output' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l preload -d 'Pre-load the residents of this province or municipality not yet registered (repeatable)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l chunk-size -d 'Rows per transaction (the first and the last chunks fewer)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l writers -d 'Database sessions writing chunks side by side (they still commit in file order)' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l full-snapshot -d 'The file is the whole registry: residents missing from it have ceased and are removed'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l dry-run -d 'Validate and report; write nothing'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l force -d 'Import even if this very file was imported before'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand import-aura" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l by -d 'Length of the periods' -r -f -a "day\t''
week\t''
month\t''"
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l group -d 'Also count by these, comma-separated' -r -f -a "ente\t''
operator\t''
province\t''
municipality\t''
community\t''
state\t''
strength\t''"
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l from -d 'From this day (of the event; of registration with --records)' -r
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l to -d 'Up to this day, included' -r
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l min-cell -d 'Smallest count shown; smaller ones are shown as <N' -r
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l records -d 'One row per registration, with a pseudonym instead of the identity'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand stats" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -f -a "provinces" -d 'The provinces (and EE, residents abroad)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -f -a "municipalities" -d 'The municipalities, with ISTAT and cadastral codes and postcodes'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -f -a "countries" -d 'The foreign states and their Z codes (as in fiscal codes of people born abroad)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and not __fish_seen_subcommand_from provinces municipalities countries help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from provinces" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l province -d 'Only the municipalities of this province (code or name)' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from municipalities" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from countries" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from help" -f -a "provinces" -d 'The provinces (and EE, residents abroad)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from help" -f -a "municipalities" -d 'The municipalities, with ISTAT and cadastral codes and postcodes'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from help" -f -a "countries" -d 'The foreign states and their Z codes (as in fiscal codes of people born abroad)'
complete -c sportello -n "__fish_sportello_using_subcommand reference; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand completions" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand completions" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand completions" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand man" -l write -d 'Write every page into this directory, as sportello*.1 files' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand man" -l database-url -d 'PostgreSQL connection string; without it, the embedded cluster under --home is used' -r
complete -c sportello -n "__fish_sportello_using_subcommand man" -l home -d 'Directory of sportello\'s own files (embedded database, letters, keys)' -r -F
complete -c sportello -n "__fish_sportello_using_subcommand man" -l operator -d 'Assert who you are: accepted only when it is the operator the database authenticated (refused, and recorded, otherwise). The operator is never chosen by this flag' -r
complete -c sportello -n "__fish_sportello_using_subcommand man" -l format -d 'Output format of listings and details' -r -f -a "table\t''
csv\t''
json\t''"
complete -c sportello -n "__fish_sportello_using_subcommand man" -l roff -d 'Print the roff source even on a terminal'
complete -c sportello -n "__fish_sportello_using_subcommand man" -l wide -d 'Tables with every column whole, however wide the terminal (else text is ellipsised and the last columns dropped to fit; codes, dates and numbers are never split)'
complete -c sportello -n "__fish_sportello_using_subcommand man" -l no-headers -d 'No header row in tables and CSV, for scripts'
complete -c sportello -n "__fish_sportello_using_subcommand man" -s v -l verbose -d 'More log on standard error: -v info, -vv debug, -vvv trace (else RUST_LOG, else warnings)'
complete -c sportello -n "__fish_sportello_using_subcommand man" -s q -l quiet -d 'Only errors on standard error: no progress, no log below errors'
complete -c sportello -n "__fish_sportello_using_subcommand man" -s h -l help -d 'Print help'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "db" -d 'Manage the database: the embedded cluster and the migrations'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "key" -d 'The service key of the keyed hashes: create, compare, rotate'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "operator" -d 'Manage desk operators and their competence'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "register" -d 'Register a citizen at the desk (pre-filled from the CIA and AURA registries)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "search" -d 'Search registrations with the filters of the desk\'s search page'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "show" -d 'Show every field of one registration'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "history" -d 'List everything done on one registration: operations booked (ente, operator, delegate, outcome), letters printed, codes sent, edits, completions. Never a code'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "book" -d 'Book an operation (verification, promotion, reset, pin, revocation) and hand over its letters'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "regenerate-code" -d 'A new activation code (PIN unchanged; the old code stops working)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "print-letters" -d 'Print again the summary, the rules, the proxy form or a new activation code'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "edit" -d 'Change the personal data of a registration'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "edit-delegate" -d 'Change the delegate of the active operation'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "change-residence" -d 'Move the residence into a municipality of the operator\'s competence'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "username" -d 'Tell a citizen their username, after the identity check'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "spid-token" -d 'SPID: issue the in-person identification as an AgID R.A.O. token; `verify` checks one'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "suspend" -d 'Suspend a registration\'s credentials, with a reason (nothing completes until reinstated)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "reinstate" -d 'End a suspension: everything is as it was before it'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "revoke" -d 'Revoke credentials requested by registered letter (one, or a batch file)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "runs" -d 'List batch runs (imports, postal runs, revocations, mailbox) and their counts'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "citizen" -d 'What the citizen completes online: activation, revocation'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "audit" -d 'List the audit log (who did what, when, from where)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "import-cia" -d 'Import a municipal registry (CIA) export'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "import-aura" -d 'Import a health-service registry (AURA) export'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "stats" -d 'Statistics for the Region: counts by period and dimension, or records without identity'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "reference" -d 'List the provinces, municipalities and foreign states sportello knows'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "doctor" -d 'Check this machine: settings and where they came from, connection, TLS, authentication, migrations, service key, letters and outbox directories, clock'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "man" -d 'Print the manual page of sportello or of one of its commands'
complete -c sportello -n "__fish_sportello_using_subcommand help; and not __fish_seen_subcommand_from db key operator register search show history book regenerate-code print-letters edit edit-delegate change-residence username spid-token suspend reinstate revoke runs citizen audit import-cia import-aura stats reference doctor completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Where the database is, whether it runs, which migrations are applied'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "start" -d 'Create (first time) and start the embedded cluster, and apply the migrations'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "keep-warm" -d 'Keep warm connections for this OS user\'s next commands (started by the commands)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "stop" -d 'Stop the embedded cluster; it stays stopped until `db start`'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply the migrations of sql/ that are not applied yet'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "backup" -d 'Back the database up with pg_dump (custom format) into a new file, readable by you only'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "restore" -d 'Replace the database with a backup made by `db backup` (pg_restore)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "init" -d 'Create the service key: 32 random bytes, readable by its owner only (0600)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "fingerprint" -d 'Print the key\'s fingerprint (to compare machines) and those of the keys it replaced'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Replace the key with a new one; codes and PINs of the old key stay valid until they expire'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "bootstrap" -d 'Add the first administrator of a new database (the schema owner only, once), or with --repair repair, extend or add an administrator (the schema owner only, at any time)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "add" -d 'Add an operator (administrators; never beyond their own competence, FSE and roles)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "grant" -d 'Grant roles to an operator (administrators; only roles they hold)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "revoke-role" -d 'Take roles away from an operator'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "competence" -d 'Replace an operator\'s competence (within the administrator\'s own)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "disable" -d 'Disable an operator: the login can no longer connect and loses its roles; the history stays'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "enable" -d 'Enable a disabled operator again, with the roles given'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "list" -d 'List the operators'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "show" -d 'Show one operator'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "whoami" -d 'Who the database authenticated you as, your roles and competence'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from spid-token" -f -a "verify" -d 'Check a token as an identity provider does (annex §4.9), with the annex\'s response codes'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from citizen" -f -a "activate" -d 'Complete a verification, promotion, reset or PIN regeneration with the codes received'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from citizen" -f -a "revoke" -d 'Complete a revocation with the revocation code: credentials disabled, personal data erased'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the hash chain of the audit log: report the first changed, missing or inserted row (exit 9), else print the head hash to keep elsewhere'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from reference" -f -a "provinces" -d 'The provinces (and EE, residents abroad)'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from reference" -f -a "municipalities" -d 'The municipalities, with ISTAT and cadastral codes and postcodes'
complete -c sportello -n "__fish_sportello_using_subcommand help; and __fish_seen_subcommand_from reference" -f -a "countries" -d 'The foreign states and their Z codes (as in fiscal codes of people born abroad)'
