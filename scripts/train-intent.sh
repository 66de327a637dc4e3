#!/bin/sh
# Retrains the plain-words model (crates/intent/src/model.bin) on the development corpus
# in crates/intent/tests/data: intents.tsv, intents-dev.tsv (generated),
# intents-written.tsv and intents-community{,2,3,4,5,6,7,8,9}.tsv (hand-written, one section per kind
# of message; each section is also left out in turn to estimate generalisation, and the
# newest file, intents-community9.tsv, left out whole). Never on the
# held-out split (intents-heldout.tsv) nor on the blind split (intents-fresh.tsv), whose
# scores are the honest measures.
#
# Regenerates the generated section of intents-dev.tsv first when asked:
#   scripts/train-intent.sh --regenerate
# then prints cross-validated figures and writes the weights. Run the corpus test after:
#   cargo test -p cubeguardian-intent --lib corpus -- --nocapture
set -eu
cd "$(dirname "$0")/.."
data=crates/intent/tests/data
if [ "${1:-}" = "--regenerate" ]; then
    {
        printf '# Development lines for issue 13 (format: see intents.tsv; `\\n` is a line break). Tuned on.\n'
        printf '# Lines identical to a held-out or blind line are left out (the corpus test checks it).\n'
        printf '# @section generated\n'
        printf '# From scripts/gen-intent-corpus.py (hand-written fragments combined; fixed seed).\n'
        # Only the texts of the held-out and blind splits are read, to leave out identical lines.
        python3 scripts/gen-intent-corpus.py |
            awk -F'\t' 'FILENAME != "-" { if ($0 !~ /^#/) held[$3] = 1; next } !($3 in held)' \
                "$data/intents-heldout.tsv" "$data/intents-fresh.tsv" -
    } > "$data/intents-dev.tsv.new"
    mv "$data/intents-dev.tsv.new" "$data/intents-dev.tsv"
fi
nice -n 10 cargo test --locked -p cubeguardian-intent --lib model::train -- --ignored --nocapture
