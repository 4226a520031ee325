"""PDF export: time and peak memory for maps of 5x10, 10x100 and 20x200 notes.

    .venv/bin/python bench/pdf_export.py [--runs 7]

Builds the maps in a throwaway SQLite database (or DATABASE_URL if set), then for each size
times the two steps a download takes: reading the map (`build_report`, database) and drawing it
(`render_pdf`, CPU). Each drawing run starts with cold layout caches, as the first download of
a map does. Wall-clock time depends on what else the machine runs; the CPU time of this process
(`time.process_time`) much less, so both are printed, and the fastest run is the best
estimate of the time on an idle machine. Peak memory is the tracemalloc peak of
one extra run (tracemalloc slows Python down, so it is measured apart from the timings), and
the process's maximum resident size at the end. Fonts are loaded once before timing, as in a
running server; their one-off cost is printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")
# A benchmark is not a server: development settings (no SECRET_KEY needed).
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench._stats import percentile  # noqa: E402
from reports.export import layout  # noqa: E402
from reports.export.fonts import register_fonts  # noqa: E402
from reports.export.pdf import render_pdf  # noqa: E402
from reports.export.report import build_report  # noqa: E402
from tests.reports.export_helpers import build_map  # noqa: E402

SIZES = [(5, 10), (10, 100), (20, 200)]


def cold_caches() -> None:
    layout._wrap.cache_clear()
    layout._pieces.cache_clear()
    layout._width.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    register_fonts()
    fonts_s = time.perf_counter() - started
    owner, _ = get_user_model().objects.get_or_create(username="bench-pdf")
    maps = {
        (stages, notes): build_map(
            owner, stages=stages, notes_per_stage=notes, title=f"Bench {stages}x{notes}"
        )
        for stages, notes in SIZES
    }
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fonts loaded once per process: {fonts_s * 1000:.0f} ms")
    print(
        "| map | notes | pages | KiB | read ms (median) | draw ms (min / median / p95 / max) "
        "| draw CPU ms (median) | read + draw ms | peak MiB (tracemalloc) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for stages, notes in SIZES:
        journey_map = maps[(stages, notes)]
        reads, draws, totals, cpus = [], [], [], []
        pdf = b""
        for _ in range(args.runs):
            cold_caches()
            t0 = time.perf_counter()
            report = build_report(journey_map)
            t1, c1 = time.perf_counter(), time.process_time()
            pdf = render_pdf(report)
            t2, c2 = time.perf_counter(), time.process_time()
            cpus.append(c2 - c1)
            reads.append(t1 - t0)
            draws.append(t2 - t1)
            totals.append(t2 - t0)
        cold_caches()
        tracemalloc.start()
        render_pdf(build_report(journey_map))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        median = statistics.median
        print(
            f"| {stages}x{notes} | {stages * notes} | {pages} | {len(pdf) // 1024} "
            f"| {median(reads) * 1000:.0f} "
            f"| {min(draws) * 1000:.0f} / {median(draws) * 1000:.0f} / "
            f"{percentile(draws, 0.95) * 1000:.0f} / "
            f"{max(draws) * 1000:.0f} | {median(cpus) * 1000:.0f} "
            f"| {median(totals) * 1000:.0f} | {peak / 2**20:.1f} |"
        )
    # ru_maxrss is in KiB on Linux.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process peak resident size: {before:.0f} MiB after building the maps, "
        f"{rss:.0f} MiB after all the renders"
    )


if __name__ == "__main__":
    main()
