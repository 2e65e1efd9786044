#!/usr/bin/python3
"""Same as `python3 -m addp.gen_eval` (see addp/gen_eval.py), kept at this path for the commands in use."""
from addp.gen_eval import main

if __name__ == "__main__":
    main()
