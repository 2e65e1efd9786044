#!/usr/bin/python3
"""Same as `python3 -m addp.train_gen` (see addp/train_gen.py), kept at this path for the commands in use."""
from addp.train_gen import main

if __name__ == "__main__":
    main()
