#!/usr/bin/env bash
# A realistic day of the registration service on the embedded default, with the samples of
# this folder: the night's registry import and pre-load, the desk, the postal PIN run, the
# helpdesk mailbox and a batch of registered letters. Safe to run again (finished jobs say so).
#
# Usage: bash samples/day.sh     (SPORTELLO_HOME chooses where everything goes;
#                                 default ~/.local/share/sportello)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
home="${SPORTELLO_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/sportello}"
export SPORTELLO_HOME="$home"
reports="$home/reports"
# Reports name citizens: private, like everything sportello writes.
(umask 077 && mkdir -p "$reports")
s() { echo "+ sportello $*" >&2; target/release/sportello "$@"; }
# Exit code 8 means "done, some input rows were rejected": expected with the sample files.
ok_or_rejects() { local rc=0; "$@" || rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -eq 8 ] || exit "$rc"; }

s db start
# Who acts is who the database authenticates: on the embedded default, the OS user running this
# (peer authentication). The OS user who created the cluster is its first administrator; here
# they also take the roles the day needs (desk, batch jobs, helpdesk, audit). Later operators
# are added by an administrator (`sportello operator add ID --role desk`), each their own OS user.
if ! target/release/sportello operator whoami >/dev/null 2>&1; then
    s operator bootstrap --name "Maria Rossi" --ente "ASL Città di Torino" --province TO --fse \
        --role desk,batch,helpdesk,auditor || {
        echo "day.sh: $home holds a database of an older sportello (operators without logins): use another SPORTELLO_HOME" >&2
        exit 1
    }
fi
s operator whoami

echo "== night: registry exports, pre-load of Moncalieri (PIN letters due by post)" >&2
s import-cia samples/cia.csv --preload Moncalieri
s import-aura samples/aura.csv
ok_or_rejects s import-cia samples/cia-with-errors.csv --rejects "$reports/cia-rejects.csv"

echo "== desk: registrations pre-filled from the registries, strong verification booked" >&2
rc=0; s register --cf RSSMRA85T10L219G --province TO --municipality Torino --email mario.rossi@example.it \
    --mobile 3331234567 --no-prompt || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 7 ] || exit "$rc"
rc=0; s register --cf SPSSRA95M54F839P --province TO --municipality Torino --email sara.esposito@example.it \
    --doc-type identity-card --doc-number CA77777EE --doc-issued 2024-05-02 --doc-issuer "Comune di Torino" \
    --postcode 10124 --print-code --no-prompt || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 7 ] || exit "$rc"
s print-letters --cf SPSSRA95M54F839P --rules --proxy-form
s search --province TO

echo "== print shop: the postal PIN run" >&2
s print-letters --postal-run --batch-size 500 --out "$home/postal"

echo "== helpdesk: emailed requests for a new activation code" >&2
inbox="$home/helpdesk-inbox/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$inbox"
cp samples/mailbox/*.eml "$inbox/"
ok_or_rejects s regenerate-code --mailbox "$inbox"

echo "== helpdesk: revocations received by registered letter" >&2
ok_or_rejects s revoke --letters samples/revocation-letters.csv --report "$reports/revocations.csv"

s runs --limit 8
s audit --limit 10
echo "== the Region's statistics (counts below 3 hidden)" >&2
s stats --group province
s stats --by week --group ente --format csv
# The audit log's hash chain, end to end; keep the head hash it prints somewhere else.
s audit verify
cat >&2 <<MSG

Where things went:
  letters (desk)     ${SPORTELLO_LETTERS_DIR:-$home/letters}
  postal run         $home/postal
  emails (outbox)    ${SPORTELLO_OUTBOX:-$home/outbox}
  helpdesk inbox     $inbox (processed/, failed/)
  reports            $reports
MSG
