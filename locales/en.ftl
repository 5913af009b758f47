# sportello: the English catalogue (the default). Every key here is in it.ftl too, with the same
# variables (a unit test checks). Keys: kebab-case, grouped by where they are said.

## Generic

rows-count = { $count ->
    [one] { $count } row
   *[other] { $count } rows
}
no-results = (no results)
yes = yes
no = no
confirm-prompt = { $question } [y/N]

## Errors (src/error.rs)

error-database = database error: { $message }
error-database-code = database error: { $message } ({ $code })
error-internal = internal failure: { $message }
error-connection-lost = lost the database connection: { $detail }
error-refused-by-database = refused by the database: { $detail }
error-unreachable = database unreachable: { $detail }

## Fiscal code (src/domain/fiscal_code.rs)

fc-invalid = invalid fiscal code '{ $input }': { $reason }
fc-length = a fiscal code has 16 characters, got { $count }
fc-layout = character { $position } ('{ $found }') should be { $expected }
fc-expected-letter = a letter
fc-expected-month = a month letter (A B C D E H L M P R S T)
fc-expected-digit = a digit (or an omocodia letter L M N P Q R S T U V)
fc-check-character = the check character should be '{ $expected }', found '{ $found }'
fc-day = the day of birth { $day } is impossible

## Text, records and rules (src/domain)

text-forbidden = { $field } contains a control or invisible character ({ $code }) at position { $position }
name-character = { $field } holds '{ $char }' ({ $code }), which no name holds: letters, spaces, apostrophes, hyphens and dots only
phone-invalid = { $field } '{ $value }' is not a telephone number: digits (6 to 15), a + first for the country code, spaces, dots, dashes, slashes or parentheses between
text-too-long = { $field } is too long: { $len } characters, at most { $max }
operator-id-empty = the operator id is empty
operator-id-too-long = operator id '{ $id }' is too long: at most 63 characters
operator-id-characters = operator id '{ $id }' may hold only letters a-z, digits and . _ - (found { $code })
email-invalid = email '{ $email }' is not a valid address: { $detail }
email-invalid-many = email '{ $email }' is not a valid address: { $detail } (give exactly one address)
email-pec = email '{ $email }' is a certified mail (PEC) address of { $domain }, which cannot receive the activation code: give an ordinary email address
postcode-invalid = postcode '{ $postcode }' must be 5 digits
birth-date-future = birth date { $date } is in the future
birth-date-disagrees = birth date { $date } does not agree with fiscal code { $fiscal_code }
sex-disagrees = sex { $sex } does not agree with fiscal code { $fiscal_code }
doc-issued-future = document issue date { $date } is in the future
doc-issued-before-birth = document issue date { $date } is before the birth date
abroad-no-postcode = a residence abroad takes no postcode (the Italian CAP field holds 5 digits): write the foreign postcode with the city, e.g. --city '69002 Lyon'
city-country-only-abroad = city and country are only for residents abroad (province EE, STATO ESTERO)
domicile-problem = domicile { $problem }
domicile-mail-incomplete = mail can be sent to the domicile only when its address and municipality are given
date-invalid = '{ $input }' is not a date: write YYYY-MM-DD (1980-01-31) or DD/MM/YYYY (31/01/1980)
written-date-invalid = '{ $input }' is not a date: write it as 2/5/2019, 02-05-2019, 02.05.2019, 2019-05-02 or 2 maggio 2019
field-unknown = unknown field '{ $field }'
field-empty = { $field } cannot be empty
sex-invalid = sex must be M or F
doc-type-invalid = document type must be one of { $choices }
field-yes-no = { $field } is yes or no
birthplace-unknown = birthplace code { $code } is neither a municipality nor a foreign state of the national registry (ANPR)
birthplace-period = { $name } ({ $province }) from { $from } to { $to }
birthplace-since = { $name } ({ $province }) since { $from }
birthplace-not-then = birthplace code { $code } did not exist on the birth date { $date }: it designated { $designated }
rule-rejected-view-only = a rejected registration (respinto) can only be viewed
rule-activation-not-booked = a weak activation is opened by the postal PIN run (pin-by-post), not booked at a desk
rule-cannot-book = { $operation } cannot be booked in state { $state }, strong { $strong }
rule-revocation-in-progress = a revocation is in progress: it is completed with its revocation code, not a PIN
rule-post-desk-operation = a desk operation is in progress: its PIN was handed over at the desk, none goes by post
rule-post-checked-in-person = the identity was checked in person at a desk: no PIN goes by post; book an operation at the desk
rule-no-delegate = a strong registration that was never activated has no delegate to edit
rule-delegate-needs-operation = there is no operation in progress: the delegate belongs to one (book it with its delegate)
rule-nothing-to-complete = there is no operation in progress to complete with an activation code: book one first
rule-revocation-code = the operation in progress is a revocation, completed with its revocation code
rule-suspended = the credentials are suspended: reinstate them first (only a revocation may be booked)
rule-already-suspended = the credentials are already suspended
rule-not-suspended = the credentials are not suspended

## Files (Error::io)

io-clear = cannot clear { $path }
io-create = cannot create { $path }
io-create-the-key-file = cannot create the key file { $path }
io-lock = cannot lock { $path }
io-move = cannot move { $path }
io-open = cannot open { $path }
io-read = cannot read { $path }
io-remove = cannot remove { $path }
io-rename = cannot rename { $path }
io-resolve = cannot resolve { $path }
io-restrict = cannot restrict { $path }
io-run = cannot run { $path }
io-set-permissions-on = cannot set permissions on { $path }
io-sync = cannot sync { $path }
io-write = cannot write { $path }
io-give-to = cannot give { $path } to { $owner }
key-file-denied = you may not read the key file { $path }: its owner shares it with the desk staff's group (chgrp GROUP { $path }; chmod 0640 { $path }), or SPORTELLO_KEY_FILE names yours
digests-read-failed = the digests of the stored rows could not be read: { $detail }
io-read-key-file = cannot read the key file { $path }
io-write-output = cannot write the output
io-write-pdf = cannot write a PDF
io-remove-letters = cannot remove the letters in { $path }

## Desk, session and operators (src/desk, src/session.rs, src/operators.rs)

desk-not-allowed = { $action } is not allowed for registration { $number } ({ $state }, strong { $strong }, { $in_progress }): { $why }; allowed: { $allowed }
desk-in-progress = { $operation } in progress
desk-nothing-in-progress = no operation in progress
desk-allowed-nothing = nothing (view only)
flag-empty = { $flag } must not be empty
cannot-print-in = { $problem } in { $flag }
delegate-doc-issued-future = the delegate's document issue date { $date } is in the future
book-missing-fields = registration { $number } lacks mandatory fields for booking: { $fields } (complete them with `sportello edit`)
edit-municipality-use-change-residence = the municipality of residence changes with `sportello change-residence`
edit-delegate-no-operation = registration { $number } has no active operation: the delegate belongs to one
residence-outside-competence = { $municipality } ({ $province }) is outside the competence of operator { $operator } ({ $competence }): { $province ->
        [EE] a residence is moved abroad by an operator whose competence includes EE (an administrator adds it: sportello operator competence { $operator } --province EE, with the provinces it keeps)
       *[other] the residence can only be moved into a municipality of your competence
    }
register-outside-competence = { $municipality } ({ $province }) is outside the competence of operator { $operator } ({ $competence }): { $province ->
        [EE] residents abroad are registered by an operator whose competence includes EE (an administrator adds it: sportello operator competence { $operator } --province EE, with the provinces it keeps)
       *[other] register residents of your competence only
    }
residence-lacks = the new residence lacks: { $fields }
username-document-mismatch = the document shown ({ $shown }) is not the one on record for registration { $number }: check it and update the record with `sportello edit` first
username-not-active = registration { $number } has no active credentials yet ({ $state })
key-file-missing = the key file { $path } does not exist: with a database server, SPORTELLO_KEY_FILE must name the service's key file (32 bytes)
letters-render-failed = rendering the letters failed: { $detail }
register-already-strong = { $fiscal_code } already holds strong credentials (registration { $number }, { $state }): no new registration is possible
register-legacy = { $fiscal_code } holds legacy credentials not in this database: the old account must be deleted, on the citizen's signed request, before a new registration
register-legacy-username = { $fiscal_code } holds legacy credentials (username { $username }) not in this database: the old account must be deleted, on the citizen's signed request, before a new registration
register-missing-fields = missing mandatory fields: { $fields }
register-meanwhile = { $fiscal_code } was registered meanwhile by another desk
register-reported-dead = a registry import reported the death of { $fiscal_code }: it cannot be registered
print-what = say what to print: --summary, --rules, --proxy-form, --guardianship, --activation-code
search-limit = --limit must be at least 1, got { $limit }
search-limit-max = --limit must be at most { $max }, got { $limit }
search-offset = --offset must not be negative, got { $offset }
search-from-after-to = --from { $from } is after --to { $to }
key-cf-or-number = give either --cf or --number
postal-group-unknown = group '{ $group }' does not exist (SPORTELLO_POSTAL_GROUP)
random-failed = the system random generator failed: { $detail }
key-file-length = the key file { $path } holds { $len ->
        [one] 1 byte
       *[other] { $len } bytes
    }, expected 32
config-unreadable = { $path } is not readable by you (it is for the group `sportello`: ask to join it): its settings are not used
metrics-write = cannot write the metrics file { $path } (metrics_dir)
key-exists = the key file { $path } already exists: it is not replaced (the codes and PINs it hashed would stop working); `sportello key rotate` replaces it and keeps the old key
key-created = key created: { $path } (fingerprint { $fingerprint }); share it with the machines that hash codes (README, "The service key")
key-rotated = new key in force: { $path } (fingerprint { $fingerprint }); the previous key ({ $previous }) is kept in { $dir }: copy both to every machine that hashes codes
key-label-file = key file
key-label-fingerprint = fingerprint
key-label-previous = previous keys
key-none-previous = none
db-label-key = key
db-key-unreadable = not readable here ({ $path })
audit-not-recorded = { $error }; and it could not be recorded: { $detail }
role-refused = operator { $operator } may not run `{ $command }`: it needs the role { $needed } (holds: { $holds })
role-none = none
role-not-a-command = `{ $command }` is not a command an operator may run
operator-claim-refused = you are authenticated as { $login }, not as { $claimed }: the operator is who the database authenticated (drop --operator / SPORTELLO_OPERATOR)
login-not-operator = login { $login } is not an operator of this database: an administrator adds it with `sportello operator add { $login }`
operator-disabled = operator { $login } is disabled
operator-id-reserved = operator id '{ $id }' must not start with '.', '-', pg_ or sportello_ (reserved role names)
operator-name-ente-empty = --name and --ente must not be empty
operator-competence-missing = give the operator's competence: --province and/or --municipality
bootstrap-owner-only = only the schema owner adds the first administrator (through the owner's connection, as `db migrate`): { $detail }
operator-vanished = operator { $id } vanished after insert
bootstrap-embedded-owner = on the embedded database the first administrator is the cluster's owner, the OS user '{ $me }' running this (who logs in as such): give no id, or '{ $me }', not '{ $id }'
bootstrap-id-missing = give the first administrator's id (their login on the server)
operator-exists = operator '{ $id }' exists already
operator-unknown = unknown operator '{ $id }'
operator-role-missing = give at least one --role
operator-new-competence-missing = give the new competence: --province and/or --municipality

## Reference data, mail, portal, store, audit, letters, configuration

did-you-mean-one = : did you mean { $one }?
did-you-mean-many = : did you mean { $rest } or { $last }?
province-unknown = unknown province '{ $input }'{ $hint } (expected one of { $codes })
municipality-unknown-in = unknown municipality '{ $input }' in province { $province }{ $hint }
municipality-unknown = unknown municipality '{ $input }'{ $hint }
municipality-ambiguous = municipality '{ $input }' is ambiguous: { $candidates }; give --province
country-unknown = unknown country '{ $input }': give its name or its Z code (e.g. Z110 for France)
country-unknown-hint = unknown country '{ $input }'{ $hint }
fiscal-code-problem = fiscal code { $fiscal_code }: { $problem }
postcode-not-of = postcode { $postcode } is not a postcode of { $municipality } ({ $province }): expected { $expected }
municipality-not-in-province = { $municipality } is in the province { $province }, not { $given }
stats-role-refused = operator { $operator } may not run statistics: it needs the role auditor or admin
stats-min-cell = --min-cell must be at least 1, got { $min_cell }
smtp-url-invalid = invalid SMTP URL (SPORTELLO_SMTP_URL): { $detail }
email-spool-failed = cannot write the email to { $path }: { $detail }
smtp-refused = the SMTP server did not take the email: { $detail }
address-unusable = { $what } '{ $address }' is not usable: { $detail }
address-sender = sender address
address-email = email address
email-build-failed = cannot build the email: { $detail }
username-invalid = username '{ $username }' must have 3 to 30 characters (lower-case letters, digits, '.', '_', '-') and start with a letter
password-short = the password has fewer than 10 characters
password-letters-digits = the password must contain both letters and digits
password-contains-identity = the password must not contain the username or the fiscal code
password-hash-failed = cannot hash the password: { $detail }
code-expired = the code has expired: ask a registration desk for a new one
portal-accept-rules = the service rules (Regolamento) must be accepted
portal-revocation-code = a revocation is completed with the revocation code
portal-choose-username = choose a username
portal-username-must-change = after a reset the new username must differ from the old one
portal-choose-password = choose a password
portal-choose-secret = choose a secret question and its answer
portal-replaced = the operation was replaced meanwhile: use the newest codes
username-taken = username '{ $username }' is taken: choose another
registration-not-found = no registration with { $key }
key-fiscal-code = fiscal code { $fiscal_code }
key-number = registration number { $number }
run-running = another { $kind } of the same input is running right now
migration-failed = migration failed: { $detail }
embedded-owner-only = only the OS user who created the embedded database of { $home } ({ $owner }) may administer it
embedded-not-running = the embedded database of { $home } is not running: its owner ({ $owner }) starts it with `sportello db start`
embedded-start-failed = cannot start the embedded database: { $detail }
pool-failed = cannot create the connection pool: { $detail }
login-refused = the database did not accept you as an operator ({ $target }): { $detail }
schema-missing = the database ({ $target }) has no sportello schema yet, or an older one: run `sportello db migrate` as its owner
audit-key-needed = the audit log names citizens by a keyed hash: the key file is needed (SPORTELLO_KEY_FILE)
audit-search-key-needed = searching the audit log by fiscal code needs the key file (SPORTELLO_KEY_FILE)
head-hash-not-hex = head hash '{ $hash }': not hexadecimal
head-hash-length = head hash '{ $hash }': not 64 hexadecimal digits (SHA-256)
pdf-compress-failed = cannot compress a PDF stream: { $detail }
font-subset-failed = cannot subset the font { $font }: { $detail }
pdf-unreadable = not a readable PDF: { $detail }
pdf-text-failed = cannot extract the PDF text: { $detail }
config-malformed = { $path }: { $detail }
config-unknown-setting = { $path }: unknown setting '{ $key }' (known: { $known })
config-bad-value = { $path }: '{ $key }' must be text or a whole number, not { $kind }
config-world-readable = { $path } is readable by every user and its '{ $key }' holds a password: chmod 640 it (group sportello, for the clerks), or use a password file

## show (commands/show.rs)

runtime-failed = cannot start the runtime: { $detail }
show-registration-number = registration number
show-community = community
show-registration-date = registration date
show-state = state
show-pin-possessed = pin possessed
show-verification-date = verification date
show-strong = strong
show-verifying-ente = verifying ente
show-username = username
show-pin-letter-printed = pin letter printed
show-activation-date = activation date
show-pin-letter-prints = pin letter prints
show-promotion-date = promotion date
show-locked-out = locked out
show-suspension = credentials suspended
show-locked-since = yes, since { $since } ({ $count ->
        [one] 1 wrong code
       *[other] { $count } wrong codes
    }): a new booking unlocks
show-not-locked-wrong = no ({ $count ->
        [one] 1 wrong code
       *[other] { $count } wrong codes in a row
    })
show-fiscal-code = fiscal code
show-last-operation = last operation
show-requested-on = requested on
show-requested-at-ente = requested at ente
show-operation-status = operation status
show-delegation = delegation
show-delegate = delegate
show-delegate-fiscal-code = delegate fiscal code
show-delegate-document = delegate document
show-delegate-document-value = { $doc_type } { $number } of { $issued } by { $issuer }
show-delegate-email = delegate email
show-delegate-phone = delegate phone
show-actions = actions

## Audit chain (src/audit_chain.rs, commands/audit.rs)

break-changed = row { $seq } (id { $id }) was changed: it no longer matches its hash
break-missing-one = row { $seq } is missing
break-missing = rows { $from } to { $to } are missing
break-inserted-one = row { $seq } was inserted: it is not a link of the chain
break-inserted = rows { $from } to { $to } were inserted: they are not links of the chain
break-rewritten = row { $seq } (id { $id }) was rewritten with a new hash (the next row links to another), or rows after it are missing
break-tail-cut = the head { $head } kept earlier is not in the chain: its tail was cut off or the log rebuilt
verify-result = result
verify-intact = intact
verify-broken = BROKEN
verify-rows = rows
verify-first-break = first break
verify-last-good-row = last good row
verify-its-hash = its hash
verify-head = head
verify-rolled-back = rolled back (in the server log, not in the audit log)
verify-rolled-back-row = rolled back, row id { $id }
verify-in-progress = not judged yet
verify-in-progress-value = { $n } rows of transactions still in progress: run the verification again once they end
verify-in-progress-row = in progress, row id { $id }
verify-head-hash = head hash
verify-unlinked = not linked yet
verify-unlinked-value = { $n } rows, written since { $since }: the next audited write links them
verify-kept-head = kept head
verify-kept-head-value = row { $seq }, still in the chain
verify-tampered = the audit log was tampered with: { $problem }

## db (commands/db.rs)

db-embedded-only = `db { $what }` manages the embedded cluster, but a database URL is configured (SPORTELLO_DATABASE_URL / --database-url)
db-label-database = database
db-label-data = data
db-label-socket = socket
db-label-log = log
db-label-migrations = migrations
db-state-running = running
db-state-stopped = stopped
db-state-stopped-on-purpose = stopped, by `db stop`: `sportello db start` starts it
db-state-absent = not created: `sportello db start` creates it
db-embedded = embedded cluster ({ $state })
db-server = server given by URL (running)
db-migrations-applied = { $applied } of { $known } applied
db-pending = pending:
db-start-owner-only = only the OS user who created the embedded database ({ $owner }) starts it
db-started = embedded database running and migrated
db-stopped = embedded database stopped; it stays stopped until `sportello db start`
db-was-not-running = embedded database was not running; it stays stopped until `sportello db start`
db-up-to-date = database is up to date
db-applied = applied { $migration }
db-backup-done = backup written: { $path } (keep it as safe as the database: it holds personal data and the hashes of every secret)
db-restored = database { $database } restored from { $path }; check the audit chain: sportello audit verify --head HASH
backup-tool-failed = { $tool } failed: { $detail }
backup-exists = { $path } already exists: a backup never replaces a file
restore-no-database = the connection settings name no database to restore into

## Flags (commands/people.rs)

flag-problem = { $flag }: { $problem }
delegate-flag-required = with --delegate-kind, { $flag } is required

## register, book (commands/register.rs, commands/book.rs)

prompt-no-value = no value given for { $field }
register-prefilled = pre-filled from { $source }
register-prompt-missing = missing mandatory fields, please type them:
register-done = registered { $fiscal_code } as number { $number }
register-already-weak = { $fiscal_code } is already registered with weak credentials as number { $number } ({ $state }): manage that record instead
book-done = booked { $operation } for registration { $number } ({ $fiscal_code })
letter-written = letter: { $path }
delivery-emailed = code emailed to { $to } ({ $via })
delivery-no-email = no email on record: nothing sent, the code is in the printed letter
delivery-printed = code printed as asked (not emailed)
notice-not-sent = the notice to the citizen ({ $notice }) was NOT sent: { $reason }
term-notice-booking = operation booked
term-notice-code-regenerated = new activation code
term-notice-email-changed = email changed
term-notice-residence-changed = residence changed
term-notice-suspended = credentials suspended
term-notice-reinstated = credentials reinstated
term-notice-revoked = credentials revoked
term-notice-revoked-death = revoked on a reported death
delivery-failed = email NOT sent: { $reason }
delivery-code-in-letter = {" "}(the code is in the printed letter)

## import, revoke, runs (commands/import.rs, commands/runs.rs)

import-already-done = { $path } was imported completely by run { $run }: nothing to do (--force to import it again)
import-summary = { $source }{ $dry }: { $rows ->
        [one] 1 row
       *[other] { $rows } rows
    }: { $new } new, { $changed } changed, { $unchanged } unchanged, { $rejected } rejected{ $extra }{ $run }
import-dry-run = {" "}(dry run)
import-ceased = , { $count } ceased
import-preloaded = , { $count } pre-loaded
import-deaths = , { count-deaths }
import-deaths-dry = , { $count ->
        [one] 1 death
       *[other] { $count } deaths
    } reported
import-death-key-needed = { $path } reports deaths (column death_date): they are recorded by a keyed hash of the fiscal code, so the key file is needed (SPORTELLO_KEY_FILE)
import-death-mail-needed = { $path } reports deaths (column death_date): each citizen whose record a death erases is told by email, so the mail settings are needed (SPORTELLO_SMTP_URL, or SPORTELLO_OUTBOX for the outbox folder)
import-deaths-over-max = the deaths this file reports would revoke more than { $limit } registrations in this run: the run stops here (the chunks before are kept). If the deaths are real, run the same command again with --max-deaths N and the run resumes
import-run = {" "}(run { $run })
import-run-resumed = {" "}(run { $run }, resumed)
import-rejects-written = rejected rows written to { $path }
import-departures-withheld = , nobody removed (some rejected rows have no readable fiscal code: fix them and import again)
import-preload-withheld = , { count-preload_withheld }
import-departures-written = departures written to { $path }
snapshot-removals-over-share = the full snapshot would remove { $leaving } of the { $mirror } residents of the { $source } mirror, more than { $percent }% ({ $limit }): nothing was removed and the run is not finished. Check the file (truncated? another area?); if these departures are expected, run the same command again with --max-removals { $leaving } (add --dry-run --departures - to list them first)
snapshot-removals-over-max = the full snapshot would remove { $leaving } of the { $mirror } residents of the { $source } mirror, more than --max-removals { $max }: nothing was removed and the run is not finished
input-not-decodable = { $path }, line { $line }: not { $encoding } text (byte { $byte }){ $hint }; nothing was read
input-encoding-hint-windows = : files saved by Windows programs (Excel, the registry software) are usually Windows-1252: read it with --encoding windows-1252
input-encoding-hint-other = : check the file's encoding and give it with --encoding
encoding-unknown = unknown encoding '{ $label }': use utf-8 (the default), windows-1252 (also latin-1, cp1252) or another label of the WHATWG Encoding Standard (iso-8859-15, utf-16le, ...)
run-already-done = { $path } was processed completely by run { $run }: nothing to do
run-number = run { $run }
run-resumed = run { $run } (resumed)
revoke-dry-run = dry run: { $count ->
        [one] 1 letter
       *[other] { $count } letters
    }, { $counts } (nothing revoked)
revoke-summary = { $run }: { $count ->
        [one] 1 letter
       *[other] { $count } letters
    }, { $counts }
revoke-report-written = letters not honoured written to { $path }
revoke-done = registration { $number } revoked: credentials disabled, personal data erased
revoke-not-found = no registration with that fiscal code
revoke-already = already revoked
revoke-mismatch = the letter does not match the record: { $fields }

## search, man (commands/search.rs, commands/man.rs)

search-more-than = more than { $total }
search-state-suspended = { $state }, suspended
search-shown = { $shown } of { $total } shown
search-results-range = {" "}(results { $first }-{ $last })
search-next-page = ; next page: --page { $page }
search-next-offset = ; next page: --offset { $offset }
man-not-found = no manual page for '{ $command }'; there are: { $names }
man-render-failed = cannot render the manual page

## Progress (commands/progress.rs, src/batch)

progress-done = done
progress-started = started
progress-resuming = , resuming at { $at }
progress-of = {" "}of { $total } ({ $percent }%)
log-filter-invalid = RUST_LOG={ $filter } is not a valid filter ({ $detail }): using 'warn'
progress-letter-revocations = registered-letter revocations { $path }
progress-letters = { $count ->
        [one] 1 letter
       *[other] { $count } letters
    }
progress-mailbox = helpdesk mailbox { $path }
progress-messages = { $count ->
        [one] 1 message
       *[other] { $count } messages
    }
progress-file-read = file read
progress-removing-missing = removing the residents missing from the file
progress-ceased = { $count } ceased
progress-preload = pre-load of { $areas }
progress-preloaded = { $count ->
        [one] 1 resident
       *[other] { $count } residents
    } pre-loaded
progress-dry-run = dry run: nothing written
progress-pin-letters = PIN letters

## Registries

source-cia = CIA (municipal registry)
source-aura = AURA (health-service registry)

## Batch jobs (src/batch)

batch-size-invalid = --batch-size must be at least 1
cannot-print-char = the letters cannot print '{ $char }' ({ $code })
cannot-print-control = the letters cannot print the control character { $code }
checksum-failed = checksum of { $path }: { $detail }
chunk-earlier-failed = an earlier chunk was not written
chunk-writer-failed = a chunk writer failed: { $detail }
file-is-empty = is empty
file-column-twice = names the column '{ $column }' twice in its header
file-no-column = has no column '{ $column }' in its header
file-no-header = has no header line
file-not-text = is not text
import-bad-header = { $path }: bad header: { $detail }
import-bad-header-plain = bad header: { $detail }
import-column-twice = { $path }: the header names the column '{ $column }' twice: which of the two holds the value cannot be told
import-no-column = { $path }: the header has no column '{ $column }' (found: { $found })
letters-not-a-batch = { $path } { $why }: a letter batch is CSV with a header line (fiscal_code, first_name, last_name, doc_number, doc_issued, protocol, protocol_date)
mailbox-running = another helpdesk run is working on { $path } right now
manifest-failed = manifest: { $detail }
not-a-directory = { $path } is not a directory
postal-batch-missing = batch { $batch } of run { $run } was committed but { $path } is missing
preload-cia-only = --preload works from the municipal registry (import-cia)
reader-stopped = the reader of { $path } stopped
report-is-input = { $flag } { $path } is the input file itself: choose another file (or - for standard output)
run-running-elsewhere = another { $kind } of the same input is running: run { $run }, process { $pid } on { $host }, started { $started } by { $operator }
run-starting-elsewhere = another { $kind } of the same input is starting right now
unknown-host = an unknown host
unknown-operator = an unknown operator

## Codes, postal run, citizen (commands/codes.rs, commands/citizen.rs, commands/edit.rs)

mailbox-honoured = honoured: new code emailed
mailbox-refused = refused ({ $reason }): reply sent
mailbox-duplicate = duplicate Message-ID: skipped
mailbox-failed = failed: { $reason }
new-code = new activation code for registration { $number } ({ $fiscal_code })
postal-dry-run = dry run: { $letters ->
        [one] 1 letter
       *[other] { $letters } letters
    } due, { $files ->
        [one] 1 file
       *[other] { $files } files
    } of up to { $size }
postal-resumed = resumed run { $run }: { $finished ->
        [one] 1 batch
       *[other] { $finished } batches
    } finished, { $discarded ->
        [one] 1 half-done batch
       *[other] { $discarded } half-done batches
    } discarded
postal-done = postal run { $run }: { $letters ->
        [one] 1 letter
       *[other] { $letters } letters
    } in { $files ->
        [one] 1 file
       *[other] { $files } files
    }
postal-codes = activation codes (weak activations opened): { $emailed } emailed, { $printed } printed apart in codes-*.pdf, { $failed ->
        [one] 1 email
       *[other] { $failed } emails
    } failed (regenerate them at a desk)
postal-file = file: { $path }
pin-by-post-requested = registration { $number }: a new PIN letter will be printed by the next postal run
citizen-username = , username { $username }
citizen-completed = { $operation } completed for registration { $number }: { $state }, strong { $strong }{ $username }
edit-delegate-missing = give the delegate: --delegate-kind and the --delegate-* fields

## Table headers (tables only: CSV and JSON keep the names)

col-id = id
col-at = at
col-operator = operator
col-origin = origin
col-command = command
col-action = action
col-target = target
col-results = results
col-outcome = outcome
col-details = details
col-name = name
col-ente = ente
col-fse = fse
col-roles = roles
col-competence = competence
col-enabled = enabled
col-number = number
col-last_name = last_name
col-first_name = first_name
col-fiscal_code = fiscal_code
col-municipality = municipality
col-registration_date = registration_date
col-community = community
col-state = state
col-strong = strong
col-operation_in_progress = operation_in_progress
col-actions = actions
col-province = province
col-istat_code = istat_code
col-cadastral_code = cadastral_code
col-postcodes = postcodes
col-code = code
col-active = active
col-run = run
col-kind = kind
col-input = input
col-started = started
col-finished = finished
col-read = read
col-ok = ok
col-rejected = rejected
col-counts = counts
col-line = line
col-field = field
col-value = value
col-reason = reason
col-period = period
col-event = event
col-count = count
col-median_days = median_days
col-p90_days = p90_days
col-operator_id = operator_id
col-strength = strength
col-municipality_code = municipality_code
col-pseudonym = pseudonym
col-birth_year = birth_year
col-sex = sex
col-registered = registered
col-verified = verified
col-activated = activated
col-revoked = revoked

## operator (commands/operator.rs)

role-unknown = unknown role '{ $role }': desk, helpdesk, batch, admin, auditor or portal

## Database connection (src/store/embedded.rs, src/store/tls.rs)

os-user-unnamed = the OS user of uid { $uid } has no name
server-user-missing = running as root, the embedded PostgreSQL must run as the OS user '{ $user }', which does not exist: install the server with `apt-get install postgresql` (it creates the user) or set SPORTELLO_DATABASE_URL
pg-binaries-missing = the PostgreSQL server binaries ({ $tool }) are not installed: install them with `apt-get install postgresql` (Debian/Ubuntu), set SPORTELLO_PG_BIN to their directory, or point SPORTELLO_DATABASE_URL at a server
pg-tool-failed = { $tool } failed: { $detail } (server log: { $log })
embedded-stopped-on-purpose = the embedded database was stopped with `sportello db stop`: start it again with `sportello db start`
sslmode-unknown = sslmode '{ $mode }' is not one of disable, prefer, require, verify-ca, verify-full
database-url-invalid = invalid database URL: { $detail }
pgsslmode-invalid = invalid PGSSLMODE: { $detail }
sslrootcert-system = sslrootcert=system is not supported: give the file of the CA that signed the server's certificate
tls-setup-failed = TLS set-up failed: { $detail }
tls-roots-unusable = cannot use the root certificates { $path }: { $detail }
tls-key-unreadable = cannot read the client key { $path }: { $detail }
tls-client-cert-unusable = the client certificate { $cert } and key { $key } cannot be used: { $detail }
tls-root-needed = sslmode={ $mode } needs the CA that signed the server's certificate: give sslrootcert (or PGSSLROOTCERT)
tls-root-needed-default = sslmode={ $mode } needs the CA that signed the server's certificate: give sslrootcert (or PGSSLROOTCERT), or put it in { $path }
tls-cert-without-key = sslcert { $path } is given without sslkey
tls-client-cert-required = the server requires a client certificate and none was given: set sslcert and sslkey (or PGSSLCERT and PGSSLKEY) ({ $detail })
tls-cert-auth-failed = the server rejected the client certificate for this role: its CN must be the role's name ({ $detail })
tls-clear-text-refused = the server refuses clear-text connections (sslmode={ $mode }): use sslmode=verify-full with sslrootcert ({ $detail })
server-refused-connection = the server refused the connection: { $detail }
tls-unknown-ca = the server's certificate is not signed by a trusted CA (unknown CA; sslrootcert { $path })
tls-name-mismatch = the server's certificate does not name the host '{ $host }' (name mismatch; sslmode=verify-full checks it): { $detail }
tls-expired = the server's certificate has expired: { $detail }
tls-cert-not-acceptable = the server's certificate is not acceptable: { $detail }
tls-client-cert-asked = the server asked for a client certificate and none was given: set sslcert and sslkey (or PGSSLCERT and PGSSLKEY)
tls-client-ca-untrusted = the server rejected the client certificate: it does not trust the CA that signed it (TLS alert: UnknownCA)
tls-client-cert-rejected = the server rejected the client certificate (TLS alert: { $alert })
tls-failed = TLS failed: { $detail }
tls-unsupported-prefer = the server does not support TLS, and clear text goes only to a loopback host unless sslmode=disable is given ({ $hosts })
tls-unsupported = the server does not support TLS (sslmode={ $mode })
tls-certs-unreadable = cannot read the certificates in { $path }: { $detail }
tls-no-pem = { $path } holds no PEM certificate
tls-bad-root = bad root certificate in { $path }: { $detail }
tls-key-readable = the client key { $path } is readable by others (mode { $mode }): make it 0600 (chmod 600)

## Confirmations (commands/confirm.rs)

revoke-confirm = Revoke the credentials of { $fiscal_code } and erase their personal data?
revoke-cancelled = cancelled: nothing revoked

## Operators' competence

competence-province = province { $code }

## Merged from main

portal-wrong = the fiscal code or the codes are wrong, or there is nothing to complete: after { $max_attempts ->
        [one] 1 wrong attempt
       *[other] { $max_attempts } wrong attempts
    } the credentials are locked (a registration desk unlocks them)
setting-number-range = { $name } must be a whole number from 1 to { $max }, got '{ $value }'
setting-unprintable = { $name }: { $problem }
col-login = login
## The clerk's day (issue 20)

secret-read-failed = cannot read the codes from standard input
secret-prompt-code = Code
secret-prompt-pin = PIN
secret-prompt-password = Password
secret-prompt-password-again = Password again
secret-prompt-answer = Answer to the secret question
secret-password-mismatch = the two passwords differ: nothing was changed, try again
secret-line-malformed = standard input, line { $line }: expected name=value (code=, pin=, password=, answer=)
secret-line-unknown = standard input, line { $line }: '{ $name }' is not expected here (expected: { $expected })
secret-line-twice = standard input, line { $line }: { $name } given twice
secret-missing = { $name } missing: give it on standard input as a line { $name }=VALUE (on a terminal it is asked)
columns-hidden = { $count ->
        [one] column not shown to fit the terminal: { $columns } (--wide shows it)
       *[other] columns not shown to fit the terminal: { $columns } (--wide shows them)
    }
term-verification = verification
term-promotion = promotion
term-reset = reset
term-pin = PIN regeneration
term-revocation = revocation
term-activation = activation (weak credentials, PIN by post)
term-A = active
term-S = succeeded
term-D = discarded
term-identity-card = identity card
term-passport = passport
term-driving-licence = driving licence
term-residence-permit = residence permit
term-boat-licence = boat licence
term-proxy = proxy form
term-guardianship = guardianship declaration
date-no-such-day = '{ $input }' is not a day of the calendar: check day and month (dates are YYYY-MM-DD, 1980-01-31, or DD/MM/YYYY, 31/01/1980)
page-from-one = pages are numbered from 1 (--page 1 is the first page), got '{ $value }'
usage-error = error: { $text }
    
    For more information, try '--help'.
usage-invalid-value = invalid value '{ $value }' for '{ $arg }' (possible values: { $valid })
usage-value-validation = invalid value '{ $value }' for '{ $arg }': { $reason }
usage-unknown-argument = unexpected argument '{ $arg }'
usage-unknown-command = unrecognized subcommand '{ $name }'
usage-missing = the following required arguments were not provided: { $args }
usage-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
usage-line = Usage: { $usage }
usage-did-you-mean = : did you mean '{ $suggestion }'?
municipality-in-other-province = { $name } is in province { $province }, not { $given }: give that province
email-missing-parts = it needs a name, '@' and a domain (name@example.it)
email-unbalanced = an angle bracket is not closed
email-invalid-user = the part before '@' is not valid
email-invalid-domain = the part after '@' is not a valid domain
email-invalid-input = it holds characters an address cannot hold
email-no-top-level-domain = its domain has no top-level part (example.it, not example): no mail would reach it
email-domain-literal = an address at a bare IP address ([…]) cannot be written to: give one with a domain name
io-kind-not-found = no such file or directory
io-kind-permission-denied = permission denied
io-kind-already-exists = it already exists
io-kind-is-a-directory = it is a directory
io-kind-not-a-directory = it is not a directory
io-kind-storage-full = no space left on the disk
io-kind-read-only = the file system is read-only
io-kind-invalid-data = the content is not valid (not UTF-8 text?)
io-kind-not-empty = the directory is not empty
io-kind-other = system error { $code }
counts-none = nothing counted
count-revoked = { $count } revoked
count-not_found = { $count } not found
count-already_revoked = { $count } already revoked
count-mismatch = { $count ->
        [one] 1 mismatch
       *[other] { $count } mismatches
    }
count-invalid = { $count } invalid
count-honoured = { $count } honoured
count-refused = { $count } refused
count-duplicate = { $count ->
        [one] 1 duplicate
       *[other] { $count } duplicates
    }
count-unreadable = { $count } unreadable
count-letters = { $count ->
        [one] 1 letter
       *[other] { $count } letters
    }
count-batches = { $count ->
        [one] 1 batch
       *[other] { $count } batches
    }
count-code_letters = { $count ->
        [one] 1 code letter
       *[other] { $count } code letters
    }
count-codes_to_email = { $count ->
        [one] 1 code to email
       *[other] { $count } codes to email
    }
count-ceased = { $count } ceased
count-preloaded = { $count } pre-loaded
count-inserted = { $count } new
count-updated = { $count } changed
count-unchanged = { $count } unchanged
count-deaths = { $count ->
        [one] 1 death
       *[other] { $count } deaths
    } ({ $revoked } revoked)
count-preload_withheld = { $count } not pre-loaded (no street or postcode, or a postcode not of their municipality)
count-withheld = { $count ->
        [one] 1 letter withheld (no longer due)
       *[other] { $count } letters withheld (no longer due)
    }
count-departures_withheld = nobody removed (rejected rows without a readable fiscal code)
edit-nothing-changed = registration { $number }: nothing changed (the values given are those on record)
edit-changed = registration { $number }: { $count ->
        [one] 1 field changed
       *[other] { $count } fields changed
    }
edit-empty-value = (empty)
db-stop-owner-only = only the cluster's owner, the OS user who created the embedded database ({ $owner }), can stop it (it stops every clerk's work): ask them, or run `sudo -u { $owner } sportello db stop`
letters-dir-not-yours = the letters directory { $path } is not yours (letters hold PINs: each clerk writes to a directory of their own): set SPORTELLO_LETTERS_DIR, or letters_dir in ~/.config/sportello/config.toml, to a directory of yours
outbox-not-yours = the outbox { $path } is not yours (emails hold codes: each clerk spools them to a directory of their own): set SPORTELLO_OUTBOX, or outbox in ~/.config/sportello/config.toml, to a directory of yours, or SPORTELLO_SMTP_URL to send them by SMTP
file-no-rows = has a header line but no letter
letter-bad-fiscal-code = fiscal code: { $detail }
letter-no-protocol = no protocol number
letter-field-empty = { $field } is empty
letter-bad-date = { $field }: { $detail }
letter-date-future = { $field } is in the future
term-running = running
term-done = done

## libpq's conventions (src/store/libpq.rs)
service-file-syntax = { $path }, line { $line }: not a service file line: { $detail }
service-not-found = definition of service "{ $service }" not found (PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR/pg_service.conf)
pgpass-not-a-file = password file { $path } is not a plain file: ignored
pgpass-permissions = password file { $path } has group or world access; permissions should be u=rw (0600) or less: ignored

## sportello doctor (src/doctor.rs, commands/doctor.rs)
doctor-dir-absent = { $path } does not exist yet (made on first use)
doctor-not-a-dir = { $path } is not a directory
doctor-dir-open = { $path } is open to every OS user (mode { $mode }): letters and mail hold PINs and codes; chmod o-rwx
doctor-key-made-on-first-use = { $path } does not exist yet (made on first use on the embedded default)
doctor-key-absent = { $path } does not exist: copy the service key from the machine that has it (`sportello key init` makes the first)
doctor-key-open = { $path } is readable by every OS user (mode { $mode }): chmod o-rwx
doctor-key-ok = { $path }, fingerprint { $fingerprint }
doctor-tls-socket = unix socket of the embedded default (no TLS needed: no network)
doctor-auth-peer = peer authentication: the OS user { $user } is the login
doctor-auth-password = password, from the { $source }
doctor-auth-cert = client certificate { $path }
doctor-auth-server-decides = no password nor certificate given: the server's pg_hba.conf decides (trust, peer or ident)
doctor-embedded = embedded default
doctor-connected = { $target }, login { $login }
doctor-migrations-current = up to date (V{ $version })
doctor-migrations-behind = the database is at V{ $version }, this sportello knows V{ $latest }: run `sportello db migrate` as the schema owner
doctor-migrations-ahead = the database is at V{ $version }, newer than this sportello (V{ $latest }): upgrade sportello on this machine
doctor-public-closed = no login takes advisory locks or runs code of its own (sql/V43, sql/V46)
doctor-public-open = every login may still { $what }: a superuser runs, in this database, the DO block at the end of sql/V43 and section 1 of sql/V46
doctor-public-locks = take advisory locks (and stop a run by holding its lock)
doctor-public-code = run PL/pgSQL of its own (and write lines like an audit row's into the server's log)
doctor-chain-linked = every audit row is linked into the chain or waits for the next write ({ $n } waiting); no session can keep the others from writing (sql/V49)
doctor-chain-not-yours = not checked: the state of the audit chain is for administrators and auditors
doctor-chain-stalled = { $n } audit rows wait to be linked into the chain, the oldest written { $since }: a transaction holds the chain's lock (pg_locks on audit_chain_lock) and the rows are linked when it ends
doctor-chain-prepared = prepared transactions are on (max_prepared_transactions = { $n }): one holding the audit chain keeps rows from being linked until it is committed or rolled back; set it to 0
doctor-migrations-unknown = this login cannot read the migrations' history (a database migrated by an older sportello: `sportello db migrate` once)
doctor-clock = the server's clock is { $skew } s from this machine's (± { $uncertainty } s)
origin-flag = flag { $flag }
origin-environment = environment { $var }
origin-file = file { $path }
origin-service-file = service file { $path }
origin-password-file = password file { $path }:{ $line }
origin-connection-string = connection string
origin-default = default
doctor-heading-settings = Settings
doctor-heading-checks = Checks
doctor-first-failure = check '{ $check }' failed: { $detail }
doctor-no-config-file = no configuration file

## SPID from the desk (R.A.O. pubblico token)
rule-spid-needs-identification = a SPID token rests on the in-person identification of a booking in progress (verification, promotion, reset or PIN): book one first
rule-spid-revocation = a revocation is in progress: no SPID token on it
rule-spid-other-operator = the identification in progress was made by { $operator }: the operator who checked the document issues the token
rule-spid-delegate = the identification in progress was made through a delegate: a SPID token certifies that the citizen was recognised in person with their own document
rule-spid-stale = the identification in progress ({ $at }) is more than { $minutes ->
        [one] 1 minute
       *[other] { $minutes } minutes
    } old: identify the citizen again (book again)
spid-refused = no SPID token for registration { $number }: { $why }
spid-missing = no SPID token for registration { $number }: missing or unusable: { $fields }
spid-not-configured = SPID is not configured: set { $setting } (see README, "SPID from the desk")
spid-cert-unreadable = cannot read the certificates in { $path }: { $detail }
spid-key-unreadable = cannot read the seal's private key { $path }: { $detail }
spid-seal-no-oid = the seal certificate { $path } lacks the R.A.O. OID { $oid }
spid-seal-key-kind = the seal's key must be RSA (RS256) or P-256 (ES256)
spid-seal-failed = cannot seal the token: { $detail }
spid-idp-not-https = the /raoic endpoint of { $idp } is not https: { $url }
spid-idp-unknown = unknown identity provider { $idp }; known: { $known }
spid-idp-answer = { $idp } answered: { $message }
spid-not-handed-over = nothing handed over for registration { $number }: the identity provider did not take token { $token } (recorded)
spid-issued = SPID token { $token } issued for registration { $number } (model { $model }), usable until { $until }
spid-passphrase-prompt = Passphrase (letter, then email):
spid-passphrase-unread = cannot read the passphrase: { $detail }
spid-wrong-passphrase = wrong passphrase: { $left ->
        [one] 1 attempt
       *[other] { $left } attempts
    } left

## sportello history
col-when = when
col-operation = operation
col-delegate = delegate
term-history-operation = operation booked
term-history-register = registered
term-history-print = letter printed
term-history-email = email sent (code or notice)
term-history-regenerate-code = activation code regenerated
term-history-edit = personal data changed
term-history-edit-delegate = delegate changed
term-history-change-residence = residence changed
term-history-username-recovery = username recovered
term-history-pin-by-post = PIN letter by post requested
term-history-postal-batch = PIN letter printed by the postal run
term-history-helpdesk-mailbox = request to the helpdesk
term-history-revoke-letter = revoked by registered letter
term-history-revoke-death = revoked: death reported by the registry
term-history-citizen-wrong-code = wrong code typed by the citizen
term-history-citizen-activate = completed by the citizen
term-history-citizen-revoke = revoked by the citizen
term-history-spid-token = SPID identification token
suspend-done = Registration { $number } ({ $fiscal_code }): credentials suspended ({ $reason }) on { $since }. `sportello reinstate --number { $number }` ends the suspension.
reinstate-done = Registration { $number } ({ $fiscal_code }): credentials reinstated (suspended on { $since } by { $by }, { $reason }); everything is as it was before.
term-citizen-request = the citizen's request
term-lost-pin-letter = PIN letter lost
term-suspected-fraud = suspected fraud
term-history-suspend = credentials suspended
term-history-reinstate = credentials reinstated
show-suspended = suspended since { $since } by { $by } ({ $reason })
term-outcome-ok = done
term-outcome-refused = refused
term-outcome-invalid = invalid
term-outcome-not-found = not found
term-outcome-error = failed
term-outcome-exists = already registered
history-not-found-cf = no registration with { $key }: a revoked registration (by the citizen, by registered letter, or for a death reported by the registry) is erased, and what remains of it is in the audit log: `sportello audit --target { $fiscal_code }` (auditor role)
history-not-found-number = no registration with { $key }: a revoked registration (by the citizen, by registered letter, or for a death reported by the registry) is erased, and what remains of it is in the audit log, which names the citizen by fiscal code: `sportello audit --target FISCAL_CODE` (auditor role)
term-history-preload = registered: pre-loaded from the registry
history-event-in-run = { $event } (run { $run })
history-event-in-batch = { $event } (run { $run }, batch { $batch })
col-closed = closed
