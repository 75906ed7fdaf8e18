#!/usr/bin/env python3
"""Folds `perf script` output into stacks and draws an SVG flame graph (no downloads needed).

usage: perf script -i perf.data | flamegraph.py OUT_PREFIX [TOP]
writes OUT_PREFIX.folded (one "frame;frame;... count" line per stack), OUT_PREFIX.svg, and prints
the TOP functions by self time and by total (inclusive) time.
"""
import collections, html, re, sys

def fold(lines):
    stacks = collections.Counter()
    frames, comm = [], None
    for line in lines:
        line = line.rstrip('\n')
        if not line.strip():
            if frames:
                stacks[';'.join([comm] + list(reversed(frames)))] += 1
            frames, comm = [], None
            continue
        if not line.startswith((' ', '\t')):
            comm = line.split()[0]
            continue
        parts = line.strip().split(None, 1)
        if len(parts) < 2:
            continue
        name = re.sub(r'\+0x[0-9a-f]+$', '', parts[1].split(' (')[0])
        frames.append(name or '[unknown]')
    if frames:
        stacks[';'.join([comm] + list(reversed(frames)))] += 1
    return stacks

def svg(stacks, path, width=1600, row=16):
    root = {'n': 0, 'c': {}}
    for stack, count in stacks.items():
        node = root
        node['n'] += count
        for frame in stack.split(';'):
            node = node['c'].setdefault(frame, {'n': 0, 'c': {}})
            node['n'] += count
    depth = max(s.count(';') for s in stacks) + 2
    total = root['n']
    out = []
    def draw(node, name, x, level):
        w = node['n'] / total * width
        if w < 0.5:
            return
        y = (depth - level - 1) * row
        hue = 20 + (hash(name) % 40)
        label = html.escape(name)
        text = label if w > 40 else ''
        if text and len(text) * 6.5 > w:
            text = text[:max(0, int(w / 6.5) - 2)] + '..'
        out.append(f'<g><title>{label} ({node["n"]} samples, {100 * node["n"] / total:.2f}%)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" fill="hsl({hue},90%,60%)"/>'
                   f'<text x="{x + 3:.1f}" y="{y + row - 4}" font-size="11" font-family="monospace">{text}</text></g>')
        cx = x
        for child_name, child in sorted(node['c'].items()):
            draw(child, child_name, cx, level + 1)
            cx += child['n'] / total * width
    draw(root, 'all', 0, 0)
    with open(path, 'w') as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{depth * row}">\n')
        f.write('\n'.join(out))
        f.write('\n</svg>\n')

def main():
    prefix = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    stacks = fold(sys.stdin)
    with open(prefix + '.folded', 'w') as f:
        for stack, count in stacks.most_common():
            f.write(f'{stack} {count}\n')
    svg(stacks, prefix + '.svg')
    total = sum(stacks.values())
    self_time, inclusive = collections.Counter(), collections.Counter()
    for stack, count in stacks.items():
        frames = stack.split(';')[1:]
        if frames:
            self_time[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print(f'{total} samples')
    print(f'\ntop {top} by self time:')
    for name, count in self_time.most_common(top):
        print(f'  {100 * count / total:5.1f}%  {name}')
    print(f'\ntop {top} by total time:')
    for name, count in inclusive.most_common(top):
        print(f'  {100 * count / total:5.1f}%  {name}')

if __name__ == '__main__':
    main()
