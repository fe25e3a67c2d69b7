"""``python -m tests.samples [RESULTS]``: write the recorded samples (see the package)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.samples import SAMPLES, samples_of
from wsconform.core.files import write_text_atomically
from wsconform.model import results


def main(arguments: list[str]) -> int:
    path = Path(arguments[0]) if arguments else Path("reports/results.json")
    document = results.load(path)
    if not document["run"]["complete"]:
        print(f"{path}: an incomplete run; samples come from complete runs only")
        return 1
    for scenario, content in samples_of(document).items():
        target = SAMPLES / f"{scenario}.json"
        write_text_atomically(target, json.dumps(content, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{target}: {len(content['samples'])} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
