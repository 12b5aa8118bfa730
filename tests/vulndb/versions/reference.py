"""The ecosystems' own comparators, run in one process per batch of pairs, for the property tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

Pairs = Sequence[tuple[str, str]]


def need(program: str) -> str:
    """The path of `program`, or skip the test that needs it as a reference."""
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"reference program {program!r} is not installed")
    return path


def _run(argv: list[str], stdin: str = "", timeout: float = 120) -> str:
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, check=True, timeout=timeout
    ).stdout


_DPKG_LOOP = """
while IFS='\t' read -r a b; do
  if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1
  elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0
  else echo 1; fi
done
"""


def dpkg_compare(pairs: Pairs, workers: int = 4) -> list[int]:
    """`dpkg --compare-versions` on each pair, in a few shell loops run side by side."""
    need("dpkg")
    chunks = [pairs[i::workers] for i in range(workers)]
    procs = [
        subprocess.Popen(["sh", "-c", _DPKG_LOOP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in chunks
    ]
    outs = [
        p.communicate("".join(f"{a}\t{b}\n" for a, b in c))[0].split()
        for p, c in zip(procs, chunks, strict=True)
    ]
    result = [0] * len(pairs)
    for w, out in enumerate(outs):
        for j, r in enumerate(out):
            result[w + j * workers] = int(r)
    return result


def rpm_compare(pairs: Pairs) -> list[int]:
    """rpm's own `rpm.vercmp` (EVR-aware) on each pair, in one `rpm --eval` Lua loop."""
    need("rpm")
    for a, b in pairs:
        assert "]==]" not in a + b
    table = ",".join(f"{{[==[{a}]==],[==[{b}]==]}}" for a, b in pairs)
    script = f"local t={{{table}}}\nlocal o={{}}\nfor i,p in ipairs(t) do o[i]=rpm.vercmp(p[1],p[2]) end\n"
    script += 'print(table.concat(o," "))\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(script)
        f.flush()
        out = _run(["rpm", "--eval", f"%{{lua: dofile('{f.name}')}}"])
    return [int(x) for x in out.split()]


_RUBY = """
STDIN.each_line do |l|
  a, b = l.chomp.split("\\t", -1)
  puts(Gem::Version.new(a) <=> Gem::Version.new(b))
end
"""


def ruby_compare(pairs: Pairs) -> list[int]:
    """`Gem::Version#<=>` on each pair, in one ruby process."""
    need("ruby")
    out = _run(["ruby", "-e", _RUBY], "".join(f"{a}\t{b}\n" for a, b in pairs))
    return [int(x) for x in out.split()]


def _maven_jar() -> Path:
    for jar in sorted(Path("/usr/share/maven/lib").glob("maven-artifact*.jar")):
        return jar.resolve()
    pytest.skip("maven-artifact jar (ComparableVersion) not found under /usr/share/maven/lib")


def maven_compare(pairs: Pairs) -> list[int]:
    """ComparableVersion's own `main` on a1 b1 a2 b2 ...: it compares each version with the one before."""
    need("java")
    jar = _maven_jar()
    args = [v for pair in pairs for v in pair]
    out = _run(["java", "-cp", str(jar), "org.apache.maven.artifact.versioning.ComparableVersion", *args])
    ops = [line.split()[1] for line in out.splitlines() if line.startswith("   ")]
    assert len(ops) == len(args) - 1
    return [{"<": -1, "==": 0, ">": 1}[op] for op in ops[::2]]


def npm_semver(cache_dir: Path) -> Path:
    """npm's `semver` package, installed once into `cache_dir` (skips when npm or the registry is absent)."""
    need("node")
    module = cache_dir / "node_modules" / "semver"
    if not (module / "package.json").exists():
        npm = need("npm")
        try:
            _run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache_dir), "semver@7"],
                timeout=180,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            pytest.skip(f"cannot install npm's semver package: {e}")
    return module


_NODE = """
const semver = require(process.argv[1]);
const pairs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = pairs.map(([a, b]) => {
  if (semver.valid(a) === null || semver.valid(b) === null) return null;
  return semver.compare(a, b);
});
process.stdout.write(JSON.stringify(out));
"""


def semver_compare(module: Path, pairs: Pairs) -> list[int | None]:
    """npm `semver.compare` (strict) on each pair; None where either side is not valid to npm."""
    out = _run(["node", "-e", _NODE, str(module)], json.dumps(list(pairs)))
    result: list[int | None] = json.loads(out)
    return result


def semver_valid(module: Path, versions: Sequence[str]) -> list[bool]:
    """npm `semver.valid` (strict) on each version."""
    out = semver_compare(module, [(v, v) for v in versions])
    return [r is not None for r in out]
