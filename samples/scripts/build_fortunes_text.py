#!/usr/bin/python3
"""Builds samples/src/main/resources/text/fortunes.txt, the offline text of the character-level LSTM sample.

Source: Debian's `fortunes` package (fortune-mod 1.99.1, BSD licence, /usr/share/doc/fortunes/copyright), the
category files listed below from /usr/share/games/fortunes. Each file is a list of fortunes separated by lines
holding a single '%'; we keep that format. Cleaning: backspace overstrikes (x^H_) are removed, tabs become spaces,
other control characters and non-ASCII bytes are dropped, trailing spaces are stripped.

Run from the repository root (needs `apt-get install fortunes`):
    /usr/bin/python3 samples/scripts/build_fortunes_text.py
"""
import os
import re

SRC = "/usr/share/games/fortunes"
FILES = ["fortunes", "literature", "wisdom", "science", "humorists", "tao", "platitudes", "work"]
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "text", "fortunes.txt")


def clean(text):
    text = re.sub(r".\x08", "", text)                 # overstrike: char, backspace
    text = text.replace("\t", "    ")
    text = "".join(ch for ch in text if ch == "\n" or 32 <= ord(ch) < 127)
    return "\n".join(line.rstrip() for line in text.split("\n"))


parts = []
for name in FILES:
    with open(os.path.join(SRC, name), encoding="latin-1") as f:
        parts.append(clean(f.read()).strip("\n") + "\n")
text = "%\n".join(parts)
with open(OUT, "w", encoding="ascii", newline="\n") as f:
    f.write(text)
print("wrote %s: %d characters, %d distinct" % (os.path.normpath(OUT), len(text), len(set(text))))
