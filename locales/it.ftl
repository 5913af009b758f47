# sportello: il catalogo italiano. Ogni chiave di en.ftl è anche qui, con le stesse variabili
# (lo controlla un test). Si usa quando LC_ALL, LC_MESSAGES o LANG iniziano con "it".

## Generici

rows-count = { $count ->
    [one] { $count } riga
   *[other] { $count } righe
}
no-results = (nessun risultato)
yes = sì
no = no
confirm-prompt = { $question } [s/N]

## Errori (src/error.rs)

error-database = errore del database: { $message }
error-database-code = errore del database: { $message } ({ $code })
error-internal = errore interno: { $message }
error-connection-lost = connessione al database persa: { $detail }
error-refused-by-database = operazione non consentita dal database: { $detail }
error-unreachable = database non raggiungibile: { $detail }

## Codice fiscale (src/domain/fiscal_code.rs)

fc-invalid = codice fiscale non valido '{ $input }': { $reason }
fc-length = un codice fiscale ha 16 caratteri, ricevuti { $count }
fc-layout = il carattere { $position } ('{ $found }') dovrebbe essere { $expected }
fc-expected-letter = una lettera
fc-expected-month = una lettera del mese (A B C D E H L M P R S T)
fc-expected-digit = una cifra (o una lettera di omocodia L M N P Q R S T U V)
fc-check-character = il carattere di controllo dovrebbe essere '{ $expected }', trovato '{ $found }'
fc-day = il giorno di nascita { $day } è impossibile

## Testi, dati e regole (src/domain)

text-forbidden = il campo { $field } contiene un carattere di controllo o invisibile ({ $code }) in posizione { $position }
name-character = { $field } contiene '{ $char }' ({ $code }), che nessun nome contiene: solo lettere, spazi, apostrofi, trattini e punti
phone-invalid = { $field } '{ $value }' non è un numero di telefono: cifre (da 6 a 15), un + iniziale per il prefisso internazionale, spazi, punti, trattini, barre o parentesi tra le cifre
text-too-long = il campo { $field } è troppo lungo: { $len } caratteri, al massimo { $max }
operator-id-empty = l'identificativo dell'operatore è vuoto
operator-id-too-long = l'identificativo dell'operatore '{ $id }' è troppo lungo: al massimo 63 caratteri
operator-id-characters = l'identificativo dell'operatore '{ $id }' può contenere solo lettere a-z, cifre e . _ - (trovato { $code })
email-invalid = l'email '{ $email }' non è un indirizzo valido: { $detail }
email-invalid-many = l'email '{ $email }' non è un indirizzo valido: { $detail } (indicare un solo indirizzo)
email-pec = l'email '{ $email }' è un indirizzo di posta certificata (PEC) di { $domain }, che non può ricevere il codice di attivazione: indicare un indirizzo email ordinario
postcode-invalid = il CAP '{ $postcode }' deve essere di 5 cifre
birth-date-future = la data di nascita { $date } è nel futuro
birth-date-disagrees = la data di nascita { $date } non corrisponde al codice fiscale { $fiscal_code }
sex-disagrees = il sesso { $sex } non corrisponde al codice fiscale { $fiscal_code }
doc-issued-future = la data di rilascio del documento { $date } è nel futuro
doc-issued-before-birth = la data di rilascio del documento { $date } è precedente alla data di nascita
abroad-no-postcode = una residenza all'estero non ha CAP (il campo CAP ha 5 cifre italiane): scrivere il codice postale estero con la città, ad esempio --city '69002 Lyon'
city-country-only-abroad = città e stato estero valgono solo per i residenti all'estero (provincia EE, STATO ESTERO)
domicile-problem = domicilio: { $problem }
domicile-mail-incomplete = la corrispondenza può essere inviata al domicilio solo se ne sono indicati indirizzo e comune
date-invalid = '{ $input }' non è una data: scrivi AAAA-MM-GG (1980-01-31) o GG/MM/AAAA (31/01/1980)
written-date-invalid = '{ $input }' non è una data: scriverla come 2/5/2019, 02-05-2019, 02.05.2019, 2019-05-02 o 2 maggio 2019
field-unknown = campo sconosciuto '{ $field }'
field-empty = il campo { $field } non può essere vuoto
sex-invalid = il sesso deve essere M o F
doc-type-invalid = il tipo di documento deve essere uno tra { $choices }
field-yes-no = il campo { $field } vale sì o no
birthplace-unknown = il codice del luogo di nascita { $code } non è né un comune né uno stato estero dell'anagrafe nazionale (ANPR)
birthplace-period = { $name } ({ $province }) dal { $from } al { $to }
birthplace-since = { $name } ({ $province }) dal { $from }
birthplace-not-then = il codice del luogo di nascita { $code } non esisteva alla data di nascita { $date }: indicava { $designated }
rule-rejected-view-only = una registrazione respinta si può solo consultare
rule-activation-not-booked = un'attivazione debole è aperta dall'invio postale dei PIN (pin-by-post), non prenotata allo sportello
rule-cannot-book = { $operation } non si può prenotare nello stato { $state }, forte { $strong }
rule-revocation-in-progress = è in corso una revoca: si completa con il suo codice di revoca, non con un PIN
rule-post-desk-operation = è in corso un'operazione di sportello: il suo PIN è stato consegnato allo sportello, nessun PIN va per posta
rule-post-checked-in-person = l'identità è stata riscontrata di persona allo sportello: nessun PIN va per posta; prenotare un'operazione allo sportello
rule-no-delegate = una registrazione forte mai attivata non ha un delegato da modificare
rule-delegate-needs-operation = non c'è alcuna operazione in corso: il delegato appartiene a un'operazione (prenotarla con il suo delegato)
rule-nothing-to-complete = non c'è alcuna operazione in corso da completare con un codice di attivazione: prenotarne prima una
rule-revocation-code = l'operazione in corso è una revoca, che si completa con il suo codice di revoca
rule-suspended = le credenziali sono sospese: prima vanno riattivate (si può prenotare solo una revoca)
rule-already-suspended = le credenziali sono già sospese
rule-not-suspended = le credenziali non sono sospese

## File (Error::io)

io-clear = impossibile svuotare { $path }
io-create = impossibile creare { $path }
io-create-the-key-file = impossibile creare il file della chiave { $path }
io-lock = impossibile bloccare { $path }
io-move = impossibile spostare { $path }
io-open = impossibile aprire { $path }
io-read = impossibile leggere { $path }
io-remove = impossibile rimuovere { $path }
io-rename = impossibile rinominare { $path }
io-resolve = impossibile risolvere il percorso { $path }
io-restrict = impossibile restringere i permessi di { $path }
io-run = impossibile eseguire { $path }
io-set-permissions-on = impossibile impostare i permessi di { $path }
io-sync = impossibile sincronizzare su disco { $path }
io-write = impossibile scrivere { $path }
io-give-to = impossibile assegnare { $path } a { $owner }
key-file-denied = non hai accesso al file della chiave { $path }: il proprietario lo condivide con il gruppo degli operatori (chgrp GRUPPO { $path }; chmod 0640 { $path }), oppure SPORTELLO_KEY_FILE indica il tuo
digests-read-failed = impossibile leggere le impronte delle righe già presenti: { $detail }
io-read-key-file = impossibile leggere il file della chiave { $path }
io-write-output = impossibile scrivere l'output
io-write-pdf = impossibile scrivere un PDF
io-remove-letters = impossibile rimuovere le lettere in { $path }

## Sportello, sessione e operatori (src/desk, src/session.rs, src/operators.rs)

desk-not-allowed = operazione non consentita: { $action } per la registrazione { $number } ({ $state }, forte { $strong }, { $in_progress }): { $why }; consentite: { $allowed }
desk-in-progress = { $operation } in corso
desk-nothing-in-progress = nessuna operazione in corso
desk-allowed-nothing = nessuna (solo consultazione)
flag-empty = { $flag } non può essere vuoto
cannot-print-in = { $problem } in { $flag }
delegate-doc-issued-future = la data di rilascio del documento del delegato { $date } è nel futuro
book-missing-fields = alla registrazione { $number } mancano campi obbligatori per la prenotazione: { $fields } (completarli con `sportello edit`)
edit-municipality-use-change-residence = il comune di residenza si cambia con `sportello change-residence`
edit-delegate-no-operation = la registrazione { $number } non ha un'operazione attiva: il delegato appartiene a un'operazione
residence-outside-competence = operazione non consentita: { $municipality } ({ $province }) è fuori dalla competenza dell'operatore { $operator } ({ $competence }): { $province ->
        [EE] una residenza si sposta all'estero da un operatore la cui competenza comprende EE (la aggiunge un amministratore: sportello operator competence { $operator } --province EE, con le province che mantiene)
       *[other] la residenza si può spostare solo in un comune di propria competenza
    }
register-outside-competence = operazione non consentita: { $municipality } ({ $province }) è fuori dalla competenza dell'operatore { $operator } ({ $competence }): { $province ->
        [EE] i residenti all'estero li registra un operatore la cui competenza comprende EE (la aggiunge un amministratore: sportello operator competence { $operator } --province EE, con le province che mantiene)
       *[other] si registrano solo residenti di propria competenza
    }
residence-lacks = alla nuova residenza mancano: { $fields }
username-document-mismatch = il documento esibito ({ $shown }) non è quello registrato per la registrazione { $number }: verificarlo e aggiornare prima i dati con `sportello edit`
username-not-active = la registrazione { $number } non ha ancora credenziali attive ({ $state })
key-file-missing = il file della chiave { $path } non esiste: con un server di database, SPORTELLO_KEY_FILE deve indicare il file della chiave del servizio (32 byte)
letters-render-failed = la generazione delle lettere non è riuscita: { $detail }
register-already-strong = { $fiscal_code } ha già credenziali forti (registrazione { $number }, { $state }): non è possibile una nuova registrazione
register-legacy = { $fiscal_code } ha credenziali del vecchio sistema non presenti in questo database: il vecchio account va cancellato, su richiesta firmata del cittadino, prima di una nuova registrazione
register-legacy-username = { $fiscal_code } ha credenziali del vecchio sistema (nome utente { $username }) non presenti in questo database: il vecchio account va cancellato, su richiesta firmata del cittadino, prima di una nuova registrazione
register-missing-fields = campi obbligatori mancanti: { $fields }
register-meanwhile = { $fiscal_code } è stato registrato nel frattempo da un altro sportello
register-reported-dead = un'importazione anagrafica ha segnalato il decesso di { $fiscal_code }: non si può registrare
print-what = indicare cosa stampare: --summary, --rules, --proxy-form, --guardianship, --activation-code
search-limit = --limit deve essere almeno 1, ricevuto { $limit }
search-limit-max = --limit deve essere al più { $max }, ricevuto { $limit }
search-offset = --offset non può essere negativo, ricevuto { $offset }
search-from-after-to = --from { $from } è successivo a --to { $to }
key-cf-or-number = indicare --cf oppure --number
postal-group-unknown = il gruppo '{ $group }' non esiste (SPORTELLO_POSTAL_GROUP)
random-failed = il generatore casuale del sistema non ha funzionato: { $detail }
key-file-length = il file della chiave { $path } contiene { $len } byte, attesi 32
config-unreadable = { $path } non è leggibile da te (è per il gruppo `sportello`: chiedi di farne parte): le sue impostazioni non sono usate
metrics-write = impossibile scrivere il file delle metriche { $path } (metrics_dir)
key-exists = il file della chiave { $path } esiste già: non viene sostituito (i codici e i PIN di cui contiene le impronte smetterebbero di funzionare); `sportello key rotate` lo sostituisce e conserva la chiave precedente
key-created = chiave creata: { $path } (impronta { $fingerprint }); condividila con le macchine che calcolano le impronte dei codici (README, "The service key")
key-rotated = nuova chiave in vigore: { $path } (impronta { $fingerprint }); la chiave precedente ({ $previous }) è conservata in { $dir }: copia entrambe su ogni macchina che calcola le impronte dei codici
key-label-file = file della chiave
key-label-fingerprint = impronta
key-label-previous = chiavi precedenti
key-none-previous = nessuna
db-label-key = chiave
db-key-unreadable = non leggibile qui ({ $path })
audit-not-recorded = { $error }; e non è stato possibile registrarlo: { $detail }
role-refused = operazione non consentita: l'operatore { $operator } non può eseguire `{ $command }`: serve il ruolo { $needed } (ruoli posseduti: { $holds })
role-none = nessuno
role-not-a-command = `{ $command }` non è un comando che un operatore possa eseguire
operator-claim-refused = sei autenticato come { $login }, non come { $claimed }: l'operatore è chi il database ha autenticato (togliere --operator / SPORTELLO_OPERATOR)
login-not-operator = l'utenza { $login } non è un operatore di questo database: un amministratore la aggiunge con `sportello operator add { $login }`
operator-disabled = l'operatore { $login } è disabilitato
operator-id-reserved = l'identificativo dell'operatore '{ $id }' non può iniziare con '.', '-', pg_ o sportello_ (nomi di ruolo riservati)
operator-name-ente-empty = --name ed --ente non possono essere vuoti
operator-competence-missing = indicare la competenza dell'operatore: --province e/o --municipality
bootstrap-owner-only = solo il proprietario dello schema aggiunge il primo amministratore (con la connessione del proprietario, come `db migrate`): { $detail }
operator-vanished = l'operatore { $id } è scomparso dopo l'inserimento
bootstrap-embedded-owner = sul database integrato il primo amministratore è il proprietario del cluster, l'utente di sistema '{ $me }' che esegue il comando (e che accede come tale): non indicare un identificativo, oppure '{ $me }', non '{ $id }'
bootstrap-id-missing = indicare l'identificativo del primo amministratore (la sua utenza sul server)
operator-exists = l'operatore '{ $id }' esiste già
operator-unknown = operatore sconosciuto '{ $id }'
operator-role-missing = indicare almeno un --role
operator-new-competence-missing = indicare la nuova competenza: --province e/o --municipality

## Dati di riferimento, posta, portale, archivio, audit, lettere, configurazione

did-you-mean-one = : forse intendevi { $one }?
did-you-mean-many = : forse intendevi { $rest } o { $last }?
province-unknown = provincia sconosciuta '{ $input }'{ $hint } (attesa una tra { $codes })
municipality-unknown-in = comune sconosciuto '{ $input }' in provincia { $province }{ $hint }
municipality-unknown = comune sconosciuto '{ $input }'{ $hint }
municipality-ambiguous = il comune '{ $input }' è ambiguo: { $candidates }; indicare --province
country-unknown = stato estero sconosciuto '{ $input }': indicarne il nome o il codice Z (es. Z110 per la Francia)
country-unknown-hint = stato estero sconosciuto '{ $input }'{ $hint }
fiscal-code-problem = codice fiscale { $fiscal_code }: { $problem }
postcode-not-of = il CAP { $postcode } non è un CAP di { $municipality } ({ $province }): atteso { $expected }
municipality-not-in-province = { $municipality } è nella provincia { $province }, non { $given }
stats-role-refused = operazione non consentita: l'operatore { $operator } non può produrre statistiche: serve il ruolo auditor o admin
stats-min-cell = --min-cell deve essere almeno 1, ricevuto { $min_cell }
smtp-url-invalid = URL SMTP non valido (SPORTELLO_SMTP_URL): { $detail }
email-spool-failed = impossibile scrivere l'email in { $path }: { $detail }
smtp-refused = il server SMTP non ha accettato l'email: { $detail }
address-unusable = { $what } '{ $address }' non utilizzabile: { $detail }
address-sender = indirizzo del mittente
address-email = indirizzo email
email-build-failed = impossibile comporre l'email: { $detail }
username-invalid = il nome utente '{ $username }' deve avere da 3 a 30 caratteri (lettere minuscole, cifre, '.', '_', '-') e iniziare con una lettera
password-short = la password ha meno di 10 caratteri
password-letters-digits = la password deve contenere sia lettere sia cifre
password-contains-identity = la password non deve contenere il nome utente o il codice fiscale
password-hash-failed = impossibile calcolare l'hash della password: { $detail }
code-expired = il codice è scaduto: chiederne uno nuovo a uno sportello di registrazione
portal-accept-rules = occorre accettare il Regolamento del servizio
portal-revocation-code = una revoca si completa con il codice di revoca
portal-choose-username = scegliere un nome utente
portal-username-must-change = dopo un reset il nuovo nome utente deve essere diverso dal precedente
portal-choose-password = scegliere una password
portal-choose-secret = scegliere una domanda segreta e la sua risposta
portal-replaced = nel frattempo l'operazione è stata sostituita: usare i codici più recenti
username-taken = il nome utente '{ $username }' è già in uso: sceglierne un altro
registration-not-found = nessuna registrazione con { $key }
key-fiscal-code = codice fiscale { $fiscal_code }
key-number = numero di registrazione { $number }
run-running = un'altra elaborazione { $kind } dello stesso input è in corso proprio ora
migration-failed = migrazione non riuscita: { $detail }
embedded-owner-only = solo l'utente di sistema che ha creato il database integrato di { $home } ({ $owner }) può amministrarlo
embedded-not-running = il database integrato di { $home } non è in esecuzione: il suo proprietario ({ $owner }) lo avvia con `sportello db start`
embedded-start-failed = impossibile avviare il database integrato: { $detail }
pool-failed = impossibile creare il pool di connessioni: { $detail }
login-refused = il database non ti ha accettato come operatore ({ $target }): { $detail }
schema-missing = il database ({ $target }) non ha ancora lo schema di sportello, o ne ha uno precedente: eseguire `sportello db migrate` come suo proprietario
audit-key-needed = il registro di audit indica i cittadini con un hash con chiave: serve il file della chiave (SPORTELLO_KEY_FILE)
audit-search-key-needed = la ricerca nel registro di audit per codice fiscale richiede il file della chiave (SPORTELLO_KEY_FILE)
head-hash-not-hex = hash di testa '{ $hash }': non esadecimale
head-hash-length = hash di testa '{ $hash }': non sono 64 cifre esadecimali (SHA-256)
pdf-compress-failed = impossibile comprimere uno stream PDF: { $detail }
font-subset-failed = impossibile estrarre il sottoinsieme del carattere { $font }: { $detail }
pdf-unreadable = PDF non leggibile: { $detail }
pdf-text-failed = impossibile estrarre il testo del PDF: { $detail }
config-malformed = { $path }: { $detail }
config-unknown-setting = { $path }: impostazione sconosciuta '{ $key }' (note: { $known })
config-bad-value = { $path }: '{ $key }' deve essere un testo o un numero intero, non { $kind }
config-world-readable = { $path } è leggibile da tutti gli utenti e il suo '{ $key }' contiene una password: eseguire chmod 640 (gruppo sportello, per gli operatori), o usare un file di password

## show (commands/show.rs)

runtime-failed = impossibile avviare il runtime: { $detail }
show-registration-number = numero di registrazione
show-community = comunità
show-registration-date = data di registrazione
show-state = stato
show-pin-possessed = PIN posseduto
show-verification-date = data del riscontro
show-strong = forte
show-verifying-ente = ente del riscontro
show-username = nome utente
show-pin-letter-printed = lettera PIN stampata
show-activation-date = data di attivazione
show-pin-letter-prints = stampe della lettera PIN
show-promotion-date = data di promozione
show-locked-out = bloccata
show-suspension = credenziali sospese
show-locked-since = sì, dal { $since } ({ $count ->
        [one] 1 codice errato
       *[other] { $count } codici errati
    }): una nuova prenotazione la sblocca
show-not-locked-wrong = no ({ $count ->
        [one] 1 codice errato
       *[other] { $count } codici errati di seguito
    })
show-fiscal-code = codice fiscale
show-last-operation = ultima operazione
show-requested-on = richiesta il
show-requested-at-ente = richiesta presso l'ente
show-operation-status = stato dell'operazione
show-delegation = delega
show-delegate = delegato
show-delegate-fiscal-code = codice fiscale del delegato
show-delegate-document = documento del delegato
show-delegate-document-value = { $doc_type } { $number } del { $issued } rilasciato da { $issuer }
show-delegate-email = email del delegato
show-delegate-phone = telefono del delegato
show-actions = azioni

## Catena di audit (src/audit_chain.rs, commands/audit.rs)

break-changed = la riga { $seq } (id { $id }) è stata modificata: non corrisponde più al suo hash
break-missing-one = manca la riga { $seq }
break-missing = mancano le righe da { $from } a { $to }
break-inserted-one = la riga { $seq } è stata inserita: non è un anello della catena
break-inserted = le righe da { $from } a { $to } sono state inserite: non sono anelli della catena
break-rewritten = la riga { $seq } (id { $id }) è stata riscritta con un nuovo hash (la riga seguente rimanda a un altro), oppure mancano righe successive
break-tail-cut = la testa { $head } conservata in precedenza non è nella catena: la coda è stata tagliata o il registro ricostruito
verify-result = esito
verify-intact = integro
verify-broken = COMPROMESSO
verify-rows = righe
verify-first-break = prima interruzione
verify-last-good-row = ultima riga integra
verify-its-hash = suo hash
verify-head = testa
verify-rolled-back = annullate (nel log del server, non nel registro di audit)
verify-rolled-back-row = annullata, riga id { $id }
verify-in-progress = non ancora giudicate
verify-in-progress-value = { $n } righe di transazioni ancora in corso: ripetere la verifica quando saranno concluse
verify-in-progress-row = in corso, riga id { $id }
verify-head-hash = hash di testa
verify-unlinked = non ancora collegate
verify-unlinked-value = { $n } righe, scritte dal { $since }: le collega la prossima scrittura registrata
verify-kept-head = testa conservata
verify-kept-head-value = riga { $seq }, ancora nella catena
verify-tampered = il registro di audit è stato manomesso: { $problem }

## db (commands/db.rs)

db-embedded-only = `db { $what }` gestisce il cluster integrato, ma è configurato un URL di database (SPORTELLO_DATABASE_URL / --database-url)
db-label-database = database
db-label-data = dati
db-label-socket = socket
db-label-log = log
db-label-migrations = migrazioni
db-state-running = in esecuzione
db-state-stopped = fermo
db-state-stopped-on-purpose = fermo, con `db stop`: `sportello db start` lo avvia
db-state-absent = non creato: `sportello db start` lo crea
db-embedded = cluster integrato ({ $state })
db-server = server indicato dall'URL (in esecuzione)
db-migrations-applied = { $applied } di { $known } applicate
db-pending = da applicare:
db-start-owner-only = solo l'utente di sistema che ha creato il database integrato ({ $owner }) lo avvia
db-started = database integrato in esecuzione e aggiornato
db-stopped = database integrato fermato; resta fermo fino a `sportello db start`
db-was-not-running = il database integrato non era in esecuzione; resta fermo fino a `sportello db start`
db-up-to-date = il database è aggiornato
db-applied = applicata { $migration }
db-backup-done = backup scritto: { $path } (custodiscilo come il database: contiene dati personali e le impronte di ogni segreto)
db-restored = database { $database } ripristinato da { $path }; verifica la catena dell'audit: sportello audit verify --head HASH
backup-tool-failed = { $tool } non è riuscito: { $detail }
backup-exists = { $path } esiste già: un backup non sostituisce mai un file
restore-no-database = le impostazioni di connessione non indicano il database da ripristinare

## Opzioni (commands/people.rs)

flag-problem = { $flag }: { $problem }
delegate-flag-required = con --delegate-kind, { $flag } è obbligatorio

## register, book (commands/register.rs, commands/book.rs)

prompt-no-value = nessun valore indicato per { $field }
register-prefilled = dati precompilati da { $source }
register-prompt-missing = mancano campi obbligatori, inserirli:
register-done = registrato { $fiscal_code } con il numero { $number }
register-already-weak = { $fiscal_code } è già registrato con credenziali deboli con il numero { $number } ({ $state }): gestire quella registrazione
book-done = prenotata l'operazione { $operation } per la registrazione { $number } ({ $fiscal_code })
letter-written = lettera: { $path }
delivery-emailed = codice inviato per email a { $to } ({ $via })
delivery-no-email = nessuna email registrata: nulla inviato, il codice è nella lettera stampata
delivery-printed = codice stampato come richiesto (non inviato per email)
notice-not-sent = l'avviso al cittadino ({ $notice }) NON è stato inviato: { $reason }
term-notice-booking = operazione prenotata
term-notice-code-regenerated = nuovo codice di attivazione
term-notice-email-changed = email cambiata
term-notice-residence-changed = residenza cambiata
term-notice-suspended = credenziali sospese
term-notice-reinstated = credenziali riattivate
term-notice-revoked = credenziali revocate
term-notice-revoked-death = revoca per decesso comunicato
delivery-failed = email NON inviata: { $reason }
delivery-code-in-letter = {" "}(il codice è nella lettera stampata)

## import, revoke, runs (commands/import.rs, commands/runs.rs)

import-already-done = { $path } è già stato importato completamente dall'elaborazione { $run }: nulla da fare (--force per importarlo di nuovo)
import-summary = { $source }{ $dry }: { $rows ->
        [one] 1 riga
       *[other] { $rows } righe
    }: nuove { $new }, modificate { $changed }, invariate { $unchanged }, scartate { $rejected }{ $extra }{ $run }
import-dry-run = {" "}(prova, nulla scritto)
import-ceased = , cessate { $count }
import-preloaded = , precaricate { $count }
import-deaths = , { count-deaths }
import-deaths-dry = , { $count ->
        [one] 1 decesso comunicato
       *[other] { $count } decessi comunicati
    }
import-death-key-needed = { $path } riporta decessi (colonna death_date): si registrano con un hash con chiave del codice fiscale, quindi serve il file della chiave (SPORTELLO_KEY_FILE)
import-death-mail-needed = { $path } riporta decessi (colonna death_date): ogni cittadino la cui registrazione viene cancellata per decesso riceve un avviso per email, quindi servono le impostazioni della posta (SPORTELLO_SMTP_URL, o SPORTELLO_OUTBOX per la cartella della posta in uscita)
import-deaths-over-max = i decessi riportati da questo file revocherebbero più di { $limit } registrazioni in questa elaborazione: l'elaborazione si ferma qui (le parti precedenti restano). Se i decessi sono reali, ripeta lo stesso comando con --max-deaths N e l'elaborazione riprende
import-run = {" "}(elaborazione { $run })
import-run-resumed = {" "}(elaborazione { $run }, ripresa)
import-rejects-written = righe scartate scritte in { $path }
import-departures-withheld = , nessuna rimozione (alcune righe scartate non hanno un codice fiscale leggibile: correggerle e importare di nuovo)
import-preload-withheld = , { count-preload_withheld }
import-departures-written = residenti cessati scritti in { $path }
snapshot-removals-over-share = l'elenco completo toglierebbe { $leaving } dei { $mirror } residenti della copia { $source }, più del { $percent }% ({ $limit }): nessuno è stato tolto e l'elaborazione non è conclusa. Controllare il file (troncato? di un'altra area?); se le cessazioni sono attese, ripetere lo stesso comando con --max-removals { $leaving } (prima, --dry-run --departures - le elenca)
snapshot-removals-over-max = l'elenco completo toglierebbe { $leaving } dei { $mirror } residenti della copia { $source }, più di --max-removals { $max }: nessuno è stato tolto e l'elaborazione non è conclusa
input-not-decodable = { $path }, riga { $line }: non è testo { $encoding } (byte { $byte }){ $hint }; non è stato letto nulla
input-encoding-hint-windows = : i file salvati da programmi Windows (Excel, il software dell'anagrafe) sono di solito Windows-1252: leggerlo con --encoding windows-1252
input-encoding-hint-other = : verificare la codifica del file e indicarla con --encoding
encoding-unknown = codifica sconosciuta '{ $label }': usare utf-8 (predefinita), windows-1252 (anche latin-1, cp1252) o un'altra etichetta del WHATWG Encoding Standard (iso-8859-15, utf-16le, ...)
run-already-done = { $path } è già stato elaborato completamente dall'elaborazione { $run }: nulla da fare
run-number = elaborazione { $run }
run-resumed = elaborazione { $run } (ripresa)
revoke-dry-run = prova: { $count ->
        [one] 1 lettera
       *[other] { $count } lettere
    }, { $counts } (nulla revocato)
revoke-summary = { $run }: { $count ->
        [one] 1 lettera
       *[other] { $count } lettere
    }, { $counts }
revoke-report-written = lettere non accolte scritte in { $path }
revoke-done = registrazione { $number } revocata: credenziali disattivate, dati personali cancellati
revoke-not-found = nessuna registrazione con quel codice fiscale
revoke-already = già revocata
revoke-mismatch = la lettera non corrisponde ai dati registrati: { $fields }

## search, man (commands/search.rs, commands/man.rs)

search-more-than = più di { $total }
search-state-suspended = { $state }, sospesa
search-shown = risultati mostrati: { $shown } di { $total }
search-results-range = {" "}(risultati { $first }-{ $last })
search-next-page = ; pagina successiva: --page { $page }
search-next-offset = ; pagina successiva: --offset { $offset }
man-not-found = nessuna pagina di manuale per '{ $command }'; sono disponibili: { $names }
man-render-failed = impossibile generare la pagina di manuale

## Avanzamento (commands/progress.rs, src/batch)

progress-done = fatto
progress-started = avviato
progress-resuming = , ripresa da { $at }
progress-of = {" "}di { $total } ({ $percent }%)
log-filter-invalid = RUST_LOG={ $filter } non è un filtro valido ({ $detail }): si usa 'warn'
progress-letter-revocations = revoche per raccomandata { $path }
progress-letters = { $count ->
        [one] 1 lettera
       *[other] { $count } lettere
    }
progress-mailbox = casella dell'helpdesk { $path }
progress-messages = { $count ->
        [one] 1 messaggio
       *[other] { $count } messaggi
    }
progress-file-read = file letto
progress-removing-missing = rimozione dei residenti assenti dal file
progress-ceased = cessati: { $count }
progress-preload = precaricamento di { $areas }
progress-preloaded = residenti precaricati: { $count }
progress-dry-run = prova: nulla scritto
progress-pin-letters = lettere PIN

## Anagrafi

source-cia = CIA (anagrafe comunale)
source-aura = AURA (anagrafe sanitaria)

## Elaborazioni (src/batch)

batch-size-invalid = --batch-size deve essere almeno 1
cannot-print-char = le lettere non possono stampare '{ $char }' ({ $code })
cannot-print-control = le lettere non possono stampare il carattere di controllo { $code }
checksum-failed = checksum di { $path }: { $detail }
chunk-earlier-failed = un blocco precedente non è stato scritto
chunk-writer-failed = la scrittura di un blocco non è riuscita: { $detail }
file-is-empty = è vuoto
file-column-twice = ha la colonna '{ $column }' due volte nell'intestazione
file-no-column = non ha la colonna '{ $column }' nell'intestazione
file-no-header = non ha una riga di intestazione
file-not-text = non è un file di testo
import-bad-header = { $path }: intestazione non valida: { $detail }
import-bad-header-plain = intestazione non valida: { $detail }
import-column-twice = { $path }: l'intestazione nomina due volte la colonna '{ $column }': non si può dire quale delle due contenga il valore
import-no-column = { $path }: l'intestazione non ha la colonna '{ $column }' (trovate: { $found })
letters-not-a-batch = { $path } { $why }: un lotto di lettere è un CSV con una riga di intestazione (fiscal_code, first_name, last_name, doc_number, doc_issued, protocol, protocol_date)
mailbox-running = un'altra elaborazione dell'helpdesk sta lavorando su { $path } proprio ora
manifest-failed = distinta: { $detail }
not-a-directory = { $path } non è una directory
postal-batch-missing = il lotto { $batch } dell'elaborazione { $run } è stato registrato ma { $path } manca
preload-cia-only = --preload funziona dall'anagrafe comunale (import-cia)
reader-stopped = la lettura di { $path } si è interrotta
report-is-input = { $flag } { $path } è il file di input stesso: scegliere un altro file (o - per lo standard output)
run-running-elsewhere = un'altra elaborazione { $kind } dello stesso input è in corso: elaborazione { $run }, processo { $pid } su { $host }, avviata il { $started } da { $operator }
run-starting-elsewhere = un'altra elaborazione { $kind } dello stesso input si sta avviando proprio ora
unknown-host = un host sconosciuto
unknown-operator = un operatore sconosciuto

## Codici, invio postale, cittadino (commands/codes.rs, commands/citizen.rs, commands/edit.rs)

mailbox-honoured = accolta: nuovo codice inviato per email
mailbox-refused = respinta ({ $reason }): risposta inviata
mailbox-duplicate = Message-ID duplicato: saltata
mailbox-failed = non riuscita: { $reason }
new-code = nuovo codice di attivazione per la registrazione { $number } ({ $fiscal_code })
postal-dry-run = prova: { $letters ->
        [one] 1 lettera da stampare
       *[other] { $letters } lettere da stampare
    }, { $files ->
        [one] 1 file
       *[other] { $files } file
    } di al massimo { $size }
postal-resumed = ripresa l'elaborazione { $run }: lotti completati { $finished }, lotti a metà scartati { $discarded }
postal-done = invio postale { $run }: { $letters ->
        [one] 1 lettera
       *[other] { $letters } lettere
    } in { $files ->
        [one] 1 file
       *[other] { $files } file
    }
postal-codes = codici di attivazione (attivazioni deboli aperte): inviati per email { $emailed }, stampati a parte in codes-*.pdf { $printed }, email non riuscite { $failed } (rigenerarli allo sportello)
postal-file = file: { $path }
pin-by-post-requested = registrazione { $number }: una nuova lettera PIN sarà stampata dal prossimo invio postale
citizen-username = , nome utente { $username }
citizen-completed = { $operation } completata per la registrazione { $number }: { $state }, forte { $strong }{ $username }
edit-delegate-missing = indicare il delegato: --delegate-kind e le opzioni --delegate-*

## Intestazioni delle tabelle (solo tabelle: CSV e JSON mantengono i nomi)

col-id = id
col-at = quando
col-operator = operatore
col-origin = origine
col-command = comando
col-action = azione
col-target = oggetto
col-results = risultati
col-outcome = esito
col-details = dettagli
col-name = nome
col-ente = ente
col-fse = FSE
col-roles = ruoli
col-competence = competenza
col-enabled = abilitato
col-number = numero
col-last_name = cognome
col-first_name = nome
col-fiscal_code = codice fiscale
col-municipality = comune
col-registration_date = data registrazione
col-community = comunità
col-state = stato
col-strong = forte
col-operation_in_progress = operazione in corso
col-actions = azioni
col-province = provincia
col-istat_code = codice ISTAT
col-cadastral_code = codice catastale
col-postcodes = CAP
col-code = codice
col-active = attivo
col-run = elaborazione
col-kind = tipo
col-input = input
col-started = avvio
col-finished = fine
col-read = lette
col-ok = valide
col-rejected = scartate
col-counts = conteggi
col-line = riga
col-field = campo
col-value = valore
col-reason = motivo
col-period = periodo
col-event = evento
col-count = numero
col-median_days = giorni (mediana)
col-p90_days = giorni (90° percentile)
col-operator_id = operatore
col-strength = forza
col-municipality_code = codice comune
col-pseudonym = pseudonimo
col-birth_year = anno di nascita
col-sex = sesso
col-registered = registrazione
col-verified = riscontro
col-activated = attivazione
col-revoked = revoca

## operator (commands/operator.rs)

role-unknown = ruolo sconosciuto '{ $role }': desk, helpdesk, batch, admin, auditor o portal

## Connessione al database (src/store/embedded.rs, src/store/tls.rs)

os-user-unnamed = l'utente di sistema con uid { $uid } non ha un nome
server-user-missing = eseguito come root, il PostgreSQL integrato deve girare come utente di sistema '{ $user }', che non esiste: installare il server con `apt-get install postgresql` (crea l'utente) o impostare SPORTELLO_DATABASE_URL
pg-binaries-missing = i programmi del server PostgreSQL ({ $tool }) non sono installati: installarli con `apt-get install postgresql` (Debian/Ubuntu), indicarne la directory in SPORTELLO_PG_BIN, o puntare SPORTELLO_DATABASE_URL a un server
pg-tool-failed = { $tool } non riuscito: { $detail } (log del server: { $log })
embedded-stopped-on-purpose = il database integrato è stato fermato con `sportello db stop`: riavviarlo con `sportello db start`
sslmode-unknown = sslmode '{ $mode }' non è uno tra disable, prefer, require, verify-ca, verify-full
database-url-invalid = URL del database non valido: { $detail }
pgsslmode-invalid = PGSSLMODE non valido: { $detail }
sslrootcert-system = sslrootcert=system non è supportato: indicare il file della CA che ha firmato il certificato del server
tls-setup-failed = configurazione TLS non riuscita: { $detail }
tls-roots-unusable = impossibile usare i certificati radice { $path }: { $detail }
tls-key-unreadable = impossibile leggere la chiave client { $path }: { $detail }
tls-client-cert-unusable = il certificato client { $cert } e la chiave { $key } non sono utilizzabili: { $detail }
tls-root-needed = sslmode={ $mode } richiede la CA che ha firmato il certificato del server: indicare sslrootcert (o PGSSLROOTCERT)
tls-root-needed-default = sslmode={ $mode } richiede la CA che ha firmato il certificato del server: indicare sslrootcert (o PGSSLROOTCERT), o copiarla in { $path }
tls-cert-without-key = sslcert { $path } è indicato senza sslkey
tls-client-cert-required = il server richiede un certificato client e non ne è stato indicato alcuno: impostare sslcert e sslkey (o PGSSLCERT e PGSSLKEY) ({ $detail })
tls-cert-auth-failed = il server ha rifiutato il certificato client per questo ruolo: il suo CN deve essere il nome del ruolo ({ $detail })
tls-clear-text-refused = il server rifiuta le connessioni in chiaro (sslmode={ $mode }): usare sslmode=verify-full con sslrootcert ({ $detail })
server-refused-connection = il server ha rifiutato la connessione: { $detail }
tls-unknown-ca = il certificato del server non è firmato da una CA attendibile (CA sconosciuta; sslrootcert { $path })
tls-name-mismatch = il certificato del server non indica l'host '{ $host }' (nome diverso; sslmode=verify-full lo verifica): { $detail }
tls-expired = il certificato del server è scaduto: { $detail }
tls-cert-not-acceptable = il certificato del server non è accettabile: { $detail }
tls-client-cert-asked = il server ha chiesto un certificato client e non ne è stato indicato alcuno: impostare sslcert e sslkey (o PGSSLCERT e PGSSLKEY)
tls-client-ca-untrusted = il server ha rifiutato il certificato client: non considera attendibile la CA che lo ha firmato (avviso TLS: UnknownCA)
tls-client-cert-rejected = il server ha rifiutato il certificato client (avviso TLS: { $alert })
tls-failed = TLS non riuscito: { $detail }
tls-unsupported-prefer = il server non supporta TLS, e la connessione in chiaro è ammessa solo verso un host locale (loopback) se non è indicato sslmode=disable ({ $hosts })
tls-unsupported = il server non supporta TLS (sslmode={ $mode })
tls-certs-unreadable = impossibile leggere i certificati in { $path }: { $detail }
tls-no-pem = { $path } non contiene alcun certificato PEM
tls-bad-root = certificato radice non valido in { $path }: { $detail }
tls-key-readable = la chiave client { $path } è leggibile da altri (permessi { $mode }): renderla 0600 (chmod 600)

## Conferme (commands/confirm.rs)

revoke-confirm = Revocare le credenziali di { $fiscal_code } e cancellarne i dati personali? Confermi?
revoke-cancelled = annullato: nulla è stato revocato

## Competenza degli operatori

competence-province = provincia { $code }

## Da main

portal-wrong = il codice fiscale o i codici sono errati, oppure non c'è nulla da completare: dopo { $max_attempts ->
        [one] 1 tentativo errato
       *[other] { $max_attempts } tentativi errati
    } le credenziali vengono bloccate (le sblocca uno sportello di registrazione)
setting-number-range = { $name } deve essere un numero intero da 1 a { $max }, ricevuto '{ $value }'
setting-unprintable = { $name }: { $problem }
col-login = utenza
## La giornata dello sportello (issue 20)

secret-read-failed = impossibile leggere i codici dallo standard input
secret-prompt-code = Codice
secret-prompt-pin = PIN
secret-prompt-password = Password
secret-prompt-password-again = Ripeti la password
secret-prompt-answer = Risposta alla domanda segreta
secret-password-mismatch = le due password sono diverse: nulla è cambiato, riprova
secret-line-malformed = standard input, riga { $line }: atteso nome=valore (code=, pin=, password=, answer=)
secret-line-unknown = standard input, riga { $line }: '{ $name }' non è previsto qui (previsti: { $expected })
secret-line-twice = standard input, riga { $line }: { $name } dato due volte
secret-missing = manca { $name }: va dato sullo standard input come riga { $name }=VALORE (su un terminale viene chiesto)
columns-hidden = { $count ->
        [one] colonna non mostrata per stare nel terminale: { $columns } (--wide la mostra)
       *[other] colonne non mostrate per stare nel terminale: { $columns } (--wide le mostra)
    }
term-verification = riscontro forte
term-promotion = promozione delle credenziali
term-reset = reset delle credenziali
term-pin = rigenerazione del PIN
term-revocation = revoca delle credenziali
term-activation = attivazione delle credenziali deboli (PIN per posta)
term-A = attiva
term-S = conclusa con successo
term-D = scartata
term-identity-card = carta d'identità
term-passport = passaporto
term-driving-licence = patente di guida
term-residence-permit = permesso di soggiorno
term-boat-licence = patente nautica
term-proxy = modulo delega
term-guardianship = dichiarazione sostitutiva per soggetti tutelati o impossibilitati alla firma
date-no-such-day = '{ $input }' non è un giorno del calendario: controlla giorno e mese (le date si scrivono AAAA-MM-GG, 1980-01-31, o GG/MM/AAAA, 31/01/1980)
page-from-one = le pagine si contano da 1 (--page 1 è la prima pagina), ricevuto '{ $value }'
usage-error = errore: { $text }
    
    Per saperne di più: '--help'.
usage-invalid-value = valore non valido '{ $value }' per '{ $arg }' (valori possibili: { $valid })
usage-value-validation = valore non valido '{ $value }' per '{ $arg }': { $reason }
usage-unknown-argument = argomento inatteso '{ $arg }'
usage-unknown-command = comando sconosciuto '{ $name }'
usage-missing = mancano questi argomenti obbligatori: { $args }
usage-conflict = l'argomento '{ $arg }' non si può usare con '{ $other }'
usage-line = Uso: { $usage }
usage-did-you-mean = : forse intendevi '{ $suggestion }'?
municipality-in-other-province = { $name } è in provincia { $province }, non { $given }: indica quella provincia
email-missing-parts = servono un nome, '@' e un dominio (nome@example.it)
email-unbalanced = una parentesi angolare non è chiusa
email-invalid-user = la parte prima di '@' non è valida
email-invalid-domain = la parte dopo '@' non è un dominio valido
email-invalid-input = contiene caratteri che un indirizzo non può contenere
email-no-top-level-domain = il dominio non ha una parte di primo livello (esempio.it, non esempio): nessuna email vi arriverebbe
email-domain-literal = non si può scrivere a un indirizzo IP nudo ([…]): indicare un indirizzo con un nome di dominio
io-kind-not-found = file o cartella inesistente
io-kind-permission-denied = permesso negato
io-kind-already-exists = esiste già
io-kind-is-a-directory = è una cartella
io-kind-not-a-directory = non è una cartella
io-kind-storage-full = spazio esaurito sul disco
io-kind-read-only = il file system è in sola lettura
io-kind-invalid-data = il contenuto non è valido (non è testo UTF-8?)
io-kind-not-empty = la cartella non è vuota
io-kind-other = errore di sistema { $code }
counts-none = nessun conteggio
count-revoked = { $count ->
        [one] 1 revocata
       *[other] { $count } revocate
    }
count-not_found = { $count ->
        [one] 1 non trovata
       *[other] { $count } non trovate
    }
count-already_revoked = { $count ->
        [one] 1 già revocata
       *[other] { $count } già revocate
    }
count-mismatch = { $count ->
        [one] 1 con dati discordanti
       *[other] { $count } con dati discordanti
    }
count-invalid = { $count ->
        [one] 1 non valida
       *[other] { $count } non valide
    }
count-honoured = { $count ->
        [one] 1 accolta
       *[other] { $count } accolte
    }
count-refused = { $count ->
        [one] 1 respinta
       *[other] { $count } respinte
    }
count-duplicate = { $count ->
        [one] 1 duplicato
       *[other] { $count } duplicati
    }
count-unreadable = { $count ->
        [one] 1 illeggibile
       *[other] { $count } illeggibili
    }
count-letters = { $count ->
        [one] 1 lettera
       *[other] { $count } lettere
    }
count-batches = { $count ->
        [one] 1 lotto
       *[other] { $count } lotti
    }
count-code_letters = { $count ->
        [one] 1 lettera con codice
       *[other] { $count } lettere con codice
    }
count-codes_to_email = { $count ->
        [one] 1 codice da inviare per email
       *[other] { $count } codici da inviare per email
    }
count-ceased = { $count ->
        [one] 1 cessato
       *[other] { $count } cessati
    }
count-preloaded = { $count ->
        [one] 1 precaricato
       *[other] { $count } precaricati
    }
count-inserted = { $count ->
        [one] 1 nuovo
       *[other] { $count } nuovi
    }
count-updated = { $count ->
        [one] 1 modificato
       *[other] { $count } modificati
    }
count-unchanged = { $count ->
        [one] 1 invariato
       *[other] { $count } invariati
    }
# "revocata": a registrazione (feminine).
count-deaths = { $count ->
        [one] 1 decesso
       *[other] { $count } decessi
    } ({ $revoked ->
        [one] 1 revocata
       *[other] { $revoked } revocate
    })
count-preload_withheld = { $count ->
        [one] 1 residente non precaricato
       *[other] { $count } residenti non precaricati
    } (senza via o CAP, o con un CAP non del comune)
count-withheld = { $count ->
        [one] 1 lettera trattenuta (non più dovuta)
       *[other] { $count } lettere trattenute (non più dovute)
    }
count-departures_withheld = nessuna rimozione (righe scartate senza un codice fiscale leggibile)
edit-nothing-changed = registrazione { $number }: nulla è cambiato (i valori dati sono quelli già registrati)
edit-changed = registrazione { $number }: { $count ->
        [one] 1 campo modificato
       *[other] { $count } campi modificati
    }
edit-empty-value = (vuoto)
db-stop-owner-only = solo il proprietario del cluster, l'utente di sistema che ha creato il database integrato ({ $owner }), può fermarlo (ferma il lavoro di tutti gli sportelli): chiedilo a lui, oppure esegui `sudo -u { $owner } sportello db stop`
letters-dir-not-yours = la cartella delle lettere { $path } non è tua (le lettere contengono PIN: ogni operatore scrive in una cartella propria): imposta SPORTELLO_LETTERS_DIR, o letters_dir in ~/.config/sportello/config.toml, su una cartella tua
outbox-not-yours = la cartella della posta in uscita { $path } non è tua (le email contengono codici: ogni operatore le deposita in una cartella propria): imposta SPORTELLO_OUTBOX, o outbox in ~/.config/sportello/config.toml, su una cartella tua, oppure SPORTELLO_SMTP_URL per inviarle via SMTP
file-no-rows = ha la riga di intestazione ma nessuna lettera
letter-bad-fiscal-code = codice fiscale: { $detail }
letter-no-protocol = manca il numero di protocollo
letter-field-empty = { $field } è vuoto
letter-bad-date = { $field }: { $detail }
letter-date-future = { $field } è nel futuro
term-running = in corso
term-done = conclusa

## Convenzioni di libpq (src/store/libpq.rs)
service-file-syntax = { $path }, riga { $line }: non è una riga di un file di servizi: { $detail }
service-not-found = definizione del servizio "{ $service }" non trovata (PGSERVICEFILE o ~/.pg_service.conf, poi PGSYSCONFDIR/pg_service.conf)
pgpass-not-a-file = il file delle password { $path } non è un file regolare: ignorato
pgpass-permissions = il file delle password { $path } è accessibile al gruppo o a tutti; i permessi devono essere u=rw (0600) o meno: ignorato

## sportello doctor (src/doctor.rs, commands/doctor.rs)
doctor-dir-absent = { $path } non esiste ancora (creata al primo uso)
doctor-not-a-dir = { $path } non è una directory
doctor-dir-open = { $path } è aperta a tutti gli utenti del sistema (modo { $mode }): lettere e posta contengono PIN e codici; chmod o-rwx
doctor-key-made-on-first-use = { $path } non esiste ancora (creata al primo uso sul database incorporato)
doctor-key-absent = { $path } non esiste: copiare la chiave del servizio dalla macchina che la possiede (`sportello key init` crea la prima)
doctor-key-open = { $path } è leggibile da tutti gli utenti del sistema (modo { $mode }): chmod o-rwx
doctor-key-ok = { $path }, impronta { $fingerprint }
doctor-tls-socket = socket unix del database incorporato (TLS non necessario: nessuna rete)
doctor-auth-peer = autenticazione peer: l'utente del sistema { $user } è l'utenza
doctor-auth-password = password, da { $source }
doctor-auth-cert = certificato client { $path }
doctor-auth-server-decides = né password né certificato: decide il pg_hba.conf del server (trust, peer o ident)
doctor-embedded = database incorporato
doctor-connected = { $target }, utenza { $login }
doctor-migrations-current = aggiornate (V{ $version })
doctor-migrations-behind = il database è a V{ $version }, questo sportello conosce V{ $latest }: eseguire `sportello db migrate` come proprietario dello schema
doctor-migrations-ahead = il database è a V{ $version }, più recente di questo sportello (V{ $latest }): aggiornare sportello su questa macchina
doctor-public-closed = nessuna utenza prende lock consultivi né esegue codice proprio (sql/V43, sql/V46)
doctor-public-open = ogni utenza può ancora { $what }: un superutente esegue, in questo database, il blocco DO in fondo a sql/V43 e la sezione 1 di sql/V46
doctor-public-locks = prendere lock consultivi (e fermare un'esecuzione tenendone il lock)
doctor-public-code = eseguire codice PL/pgSQL proprio (e scrivere nel log del server righe simili a quelle dell'audit)
doctor-chain-linked = ogni riga di audit è collegata alla catena o attende la prossima scrittura ({ $n } in attesa); nessuna sessione può impedire agli altri di scrivere (sql/V49)
doctor-chain-not-yours = non verificata: lo stato della catena di audit è per amministratori e revisori
doctor-chain-stalled = { $n } righe di audit attendono di essere collegate alla catena, la più vecchia scritta { $since }: una transazione tiene il blocco della catena (pg_locks su audit_chain_lock) e le righe si collegano quando finisce
doctor-chain-prepared = le transazioni preparate sono attive (max_prepared_transactions = { $n }): una che tiene la catena di audit impedisce di collegare le righe finché non è confermata o annullata; impostarlo a 0
doctor-migrations-unknown = questa utenza non può leggere lo storico delle migrazioni (database migrato da uno sportello precedente: `sportello db migrate` una volta)
doctor-clock = l'orologio del server differisce di { $skew } s da quello di questa macchina (± { $uncertainty } s)
origin-flag = opzione { $flag }
origin-environment = ambiente { $var }
origin-file = file { $path }
origin-service-file = file dei servizi { $path }
origin-password-file = file delle password { $path }:{ $line }
origin-connection-string = stringa di connessione
origin-default = predefinito
doctor-heading-settings = Impostazioni
doctor-heading-checks = Controlli
doctor-first-failure = controllo '{ $check }' non superato: { $detail }
doctor-no-config-file = nessun file di configurazione

## SPID dallo sportello (token R.A.O. pubblico)
rule-spid-needs-identification = un token SPID si basa sull'identificazione de visu di un'operazione in corso (riscontro, promozione, reset o PIN): prenotarne una prima
rule-spid-revocation = è in corso una revoca: nessun token SPID
rule-spid-other-operator = l'identificazione in corso è stata fatta da { $operator }: il token lo rilascia l'operatore che ha verificato il documento
rule-spid-delegate = l'identificazione in corso è stata fatta tramite un delegato: il token SPID certifica che il cittadino è stato riconosciuto di persona con il proprio documento
rule-spid-stale = l'identificazione in corso ({ $at }) risale a più di { $minutes ->
        [one] 1 minuto
       *[other] { $minutes } minuti
    } fa: identificare di nuovo il cittadino (nuova prenotazione)
spid-refused = nessun token SPID per la registrazione { $number }: { $why }
spid-missing = nessun token SPID per la registrazione { $number }: mancano o non sono utilizzabili: { $fields }
spid-not-configured = SPID non è configurato: impostare { $setting } (vedi README, "SPID from the desk")
spid-cert-unreadable = impossibile leggere i certificati in { $path }: { $detail }
spid-key-unreadable = impossibile leggere la chiave privata del sigillo { $path }: { $detail }
spid-seal-no-oid = il certificato del sigillo { $path } non ha l'OID dei R.A.O. { $oid }
spid-seal-key-kind = la chiave del sigillo deve essere RSA (RS256) o P-256 (ES256)
spid-seal-failed = impossibile sigillare il token: { $detail }
spid-idp-not-https = l'endpoint /raoic di { $idp } non è https: { $url }
spid-idp-unknown = gestore di identità sconosciuto { $idp }; noti: { $known }
spid-idp-answer = risposta di { $idp }: { $message }
spid-not-handed-over = nulla consegnato per la registrazione { $number }: il gestore di identità non ha accettato il token { $token } (registrato)
spid-issued = token SPID { $token } rilasciato per la registrazione { $number } (modello { $model }), utilizzabile fino al { $until }
spid-passphrase-prompt = Passphrase (lettera, poi email):
spid-passphrase-unread = impossibile leggere la passphrase: { $detail }
spid-wrong-passphrase = passphrase errata: { $left ->
        [one] resta 1 tentativo
       *[other] restano { $left } tentativi
    }

## sportello history
col-when = quando
col-operation = operazione
col-delegate = delegato
term-history-operation = operazione prenotata
term-history-register = registrazione
term-history-print = lettera stampata
term-history-email = email inviata (codice o avviso)
term-history-regenerate-code = codice di attivazione rigenerato
term-history-edit = dati personali modificati
term-history-edit-delegate = delegato modificato
term-history-change-residence = residenza cambiata
term-history-username-recovery = recupero del nome utente
term-history-pin-by-post = lettera PIN per posta richiesta
term-history-postal-batch = lettera PIN stampata dall'invio postale
term-history-helpdesk-mailbox = richiesta all'assistenza
term-history-revoke-letter = revoca con raccomandata
term-history-revoke-death = revoca implicita: decesso comunicato dall'anagrafe
term-history-citizen-wrong-code = codice errato digitato dal cittadino
term-history-citizen-activate = completata dal cittadino
term-history-citizen-revoke = revoca da parte del cittadino
term-history-spid-token = token di identificazione SPID
suspend-done = Registrazione { $number } ({ $fiscal_code }): credenziali sospese ({ $reason }) il { $since }. `sportello reinstate --number { $number }` pone fine alla sospensione.
reinstate-done = Registrazione { $number } ({ $fiscal_code }): credenziali riattivate (sospese il { $since } da { $by }, { $reason }); tutto è com'era prima.
term-citizen-request = richiesta del cittadino
term-lost-pin-letter = lettera del PIN smarrita
term-suspected-fraud = sospetta frode
term-history-suspend = credenziali sospese
term-history-reinstate = credenziali riattivate
show-suspended = sospese dal { $since } da { $by } ({ $reason })
term-outcome-ok = eseguito
term-outcome-refused = rifiutato
term-outcome-invalid = non valido
term-outcome-not-found = non trovato
term-outcome-error = non riuscito
term-outcome-exists = già registrato
history-not-found-cf = nessuna registrazione con { $key }: una registrazione revocata (dal cittadino, con raccomandata o per un decesso comunicato dall'anagrafe) è cancellata, e ciò che ne resta è nel registro di audit: `sportello audit --target { $fiscal_code }` (ruolo auditor)
history-not-found-number = nessuna registrazione con { $key }: una registrazione revocata (dal cittadino, con raccomandata o per un decesso comunicato dall'anagrafe) è cancellata, e ciò che ne resta è nel registro di audit, che indica il cittadino per codice fiscale: `sportello audit --target CODICE_FISCALE` (ruolo auditor)
term-history-preload = registrazione: pre-caricata dall'anagrafe
history-event-in-run = { $event } (elaborazione { $run })
history-event-in-batch = { $event } (elaborazione { $run }, lotto { $batch })
col-closed = chiusa
