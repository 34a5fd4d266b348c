#!/usr/bin/env python3
"""Entry point of `python -m flow.explore` (see its help); works from any Python (scripts/_launch.py)."""

from _launch import run

if __name__ == "__main__":
    run("flow.explore")
