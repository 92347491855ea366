#!/usr/bin/python3
"""Builds samples/src/main/resources/text/fortune-categories.txt, the labelled texts of the `fortune-topic` sample.

Source: Debian's `fortunes` package (fortune-mod 1.99.1, BSD licence, /usr/share/doc/fortunes/copyright), the category
files listed below from /usr/share/games/fortunes; the label of a fortune is the file it comes from. The first CAP
fortunes of each file are kept (file order), so that no category outweighs the others by much. Cleaning as in
build_fortunes_text.py: backspace overstrikes removed, tabs become spaces, other control characters and non-ASCII
bytes dropped, trailing spaces stripped; empty fortunes dropped.

Output: one block per fortune, "@category" on its first line, then the text, blocks separated by lines holding "%".

Run from the repository root (needs `apt-get install fortunes`):
    /usr/bin/python3 samples/scripts/build_fortune_categories.py
"""
import os
import re

SRC = "/usr/share/games/fortunes"
FILES = ["computers", "food", "law", "love", "politics", "sports"]
CAP = 250
OUT = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "text", "fortune-categories.txt")


def clean(text):
    text = re.sub(r".\x08", "", text)                 # overstrike: char, backspace
    text = text.replace("\t", "    ")
    text = "".join(ch for ch in text if ch == "\n" or 32 <= ord(ch) < 127)
    return "\n".join(line.rstrip() for line in text.split("\n"))


blocks = []
counts = {}
for name in FILES:
    with open(os.path.join(SRC, name), encoding="latin-1") as f:
        fortunes = [clean(x).strip("\n") for x in re.split(r"\n%\n", f.read())]
    fortunes = [x for x in fortunes if x.strip() and x.strip() != "%"][:CAP]
    counts[name] = len(fortunes)
    blocks += ["@" + name + "\n" + x for x in fortunes]
with open(OUT, "w", encoding="ascii", newline="\n") as f:
    f.write("\n%\n".join(blocks) + "\n")
print("wrote %s: %d fortunes %s" % (os.path.normpath(OUT), len(blocks), counts))
