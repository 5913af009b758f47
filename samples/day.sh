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
s register --cf RSSMRA85T10L219G --province TO --municipality Torino --email mario.rossi@example.it \
    --mobile 3331234567 --no-prompt >/dev/null || [ $? -eq 7 ]
s register --cf SPSSRA95M54F839P --province TO --municipality Torino --email sara.esposito@example.it \
    --doc-type identity-card --doc-number CA77777EE --doc-issued 2024-05-02 --doc-issuer "Comune di Torino" \
    --postcode 10124 --no-prompt >/dev/null || [ $? -eq 7 ]

s search --province TO --municipality Torino
s show --cf RSSMRA85T10L219G
s audit --limit 8
