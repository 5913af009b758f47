#!/usr/bin/env bash
# A day at the desk on the embedded default: the samples of this folder, start to finish.
# Usage: bash samples/day.sh   (SPORTELLO_HOME selects where the data goes; default ~/.local/share/sportello)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
s() { echo "+ sportello $*" >&2; target/release/sportello "$@"; }

s db start
# The first operator bootstraps the database; later ones are added by an existing operator.
if ! SPORTELLO_OPERATOR=mrossi target/release/sportello operator show mrossi >/dev/null 2>&1; then
    s operator add mrossi --name "Maria Rossi" --ente "ASL Città di Torino" --province TO --fse
fi
export SPORTELLO_OPERATOR=mrossi

# Overnight: the registries' exports (the second file has bad rows, reported and skipped).
s import-cia samples/cia.csv
s import-aura samples/aura.csv
s import-cia samples/cia-with-errors.csv --rejects "${TMPDIR:-/tmp}/sportello-rejects.csv" || echo "(exit $?: rejected rows listed in ${TMPDIR:-/tmp}/sportello-rejects.csv)" >&2

# At the desk: Mario Rossi is in the municipal registry, Sara Esposito only in the health one.
# Registering books the strong verification: PIN letter and summary printed, code emailed.
s register --cf RSSMRA85T10L219G --province TO --municipality Torino --email mario.rossi@example.it \
    --mobile 3331234567 --no-prompt || [ $? -eq 7 ]
s register --cf SPSSRA95M54F839P --province TO --municipality Torino --email sara.esposito@example.it \
    --doc-type identity-card --doc-number CA77777EE --doc-issued 2024-05-02 --doc-issuer "Comune di Torino" \
    --postcode 10124 --print-code --no-prompt || [ $? -eq 7 ]

# Sara lost the email: a new activation code (the old one stops working); the rules to sign.
s regenerate-code --cf SPSSRA95M54F839P
s print-letters --cf SPSSRA95M54F839P --rules --proxy-form

# Mario moves to Moncalieri (within the operator's competence).
s change-residence --cf RSSMRA85T10L219G --province TO --municipality Moncalieri \
    --address "Strada Revigliasco" --street-number 12 --postcode 10024 >/dev/null

s search --province TO
s show --cf RSSMRA85T10L219G
s audit --limit 12
echo "letters: ${SPORTELLO_LETTERS_DIR:-${SPORTELLO_HOME:-~/.local/share/sportello}/letters}" >&2
echo "emails:  ${SPORTELLO_OUTBOX:-${SPORTELLO_HOME:-~/.local/share/sportello}/outbox}" >&2
