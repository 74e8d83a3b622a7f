# Regenerates bpe_golden.json (the reference the BPE golden test compares against):
#   python3 make_bpe_golden.py bpe_corpus.txt 400 bpe_golden.json   (needs `pip install regex`)
# Reference for Tests/DataTests/Fixtures/bpe_golden.json: GPT-2's regex pre-split (python `regex`),
# naive BPE (recount all pairs each step; ties → smallest (left, right)), rank-order encoding.
import regex, json, sys, collections
pat = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
text = open(sys.argv[1], encoding='utf-8', newline='').read()
vocab = int(sys.argv[2])
chunks = pat.findall(text)
cnt = collections.Counter(c.encode() for c in chunks)
words = [list(w) for w in cnt]; counts = list(cnt.values())
merges = []
while 256 + len(merges) < vocab:
    pc = collections.Counter()
    for w, c in zip(words, counts):
        for a, b in zip(w, w[1:]): pc[(a, b)] += c
    if not pc: break
    best = min(pc, key=lambda p: (-pc[p], p))
    new = 256 + len(merges); merges.append(list(best))
    for i, w in enumerate(words):
        out = []; j = 0
        while j < len(w):
            if j + 1 < len(w) and (w[j], w[j+1]) == best: out.append(new); j += 2
            else: out.append(w[j]); j += 1
        words[i] = out
ranks = {tuple(m): i for i, m in enumerate(merges)}
def enc(b):
    t = list(b)
    while len(t) > 1:
        r = min(ranks.get(p, 1 << 30) for p in zip(t, t[1:]))
        if r == 1 << 30: break
        a, c = merges[r]; out = []; j = 0
        while j < len(t):
            if j + 1 < len(t) and t[j] == a and t[j+1] == c: out.append(256 + r); j += 2
            else: out.append(t[j]); j += 1
        t = out
    return t
tokens = [x for c in chunks for x in enc(c.encode())]
json.dump({"vocab_size": vocab, "merges": merges, "tokens": tokens}, open(sys.argv[3], 'w'), separators=(',', ':'))
print(len(chunks), len(cnt), len(merges), len(tokens))
