"""The `guide` command: ingest the knowledge, inspect the index, run benchmarks.

Errors a user can fix (invalid knowledge, no index yet, a model mismatch) are printed as one clear
message with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from ingest.loader import KnowledgeError
from ingest.pipeline import ACTIONS, KINDS, IngestReport, run_ingest
from ingest.schema import RECORD_KINDS
from ingest.settings import PROJECT_ROOT
from ingest.store import IndexMissing, IndexStore, ModelMismatch, is_disk_problem

log = logging.getLogger("guide")


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        level=logging.DEBUG if verbose else logging.WARNING,
        force=True,  # to the stderr of this run (a handler left on a closed stream would print a traceback)
    )
    for noisy in ("httpx", "httpcore", "chromadb", "sentence_transformers", "urllib3", "transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def format_report(report: IngestReport) -> str:
    """The ingest summary: added / updated / unchanged / deleted per kind, seconds, models."""
    width = max(len(k) for k in KINDS) + 2
    if report.checked_only:
        lines = ["kind".ljust(width) + "passages".rjust(11)]
        lines += [kind.ljust(width) + str(report.counts[kind]["valid"]).rjust(11) for kind in KINDS]
        lines.append(f"knowledge is valid: {report.passages} passages ({report.seconds:.1f} s); nothing was written")
        return "\n".join(lines)
    lines = ["kind".ljust(width) + "".join(a.rjust(11) for a in ACTIONS)]
    for kind in KINDS:
        lines.append(kind.ljust(width) + "".join(str(report.counts[kind][a]).rjust(11) for a in ACTIONS))
    lines.append("total".ljust(width) + "".join(str(report.total(a)).rjust(11) for a in ACTIONS))
    state = "index updated" if report.changed else "index already up to date"
    lines.append(
        f"{state}: generation {report.generation}, {report.embedded} passages embedded, {report.seconds:.1f} s"
    )
    lines.append("models: " + ", ".join(f"{k}={v}" for k, v in report.models.items()))
    return "\n".join(lines)


def _progress_bar():
    from tqdm import tqdm

    bar: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, disable=total == 0)
        bar["bar"].n = done
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def cmd_ingest(args: argparse.Namespace, root) -> int:
    settings = root.index
    report = run_ingest(settings, check_only=args.check, progress=None if args.quiet else _progress_bar())
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_report(report))
    if not args.check and not args.no_fit:
        from bot.commands import fit_router_for

        print(fit_router_for(settings))
    return 0


def cmd_sources(args: argparse.Namespace, root) -> int:
    from ingest.loader import load_knowledge

    settings = root.index
    store = IndexStore(settings)
    try:
        gen = store.require_active()
        entries = store.entries(gen.id)
    finally:
        store.close()
    knowledge = load_knowledge(settings.knowledge_dir)
    print(
        f"index generation {gen.id} ({settings.chroma_location}); models: "
        + ", ".join(f"{k}={v}" for k, v in gen.models.items())
    )
    print("\nDocuments:")
    for doc_id, doc in knowledge.documents.items():
        n = sum(1 for e in entries.values() if e.kind == "document" and e.record_id == doc_id)
        translated = sum(1 for e in entries.values() if e.kind == "translation" and e.record_id == doc_id)
        sentences = sum(1 for e in entries.values() if e.kind == "sentence" and e.record_id == doc_id)
        meta = doc.meta
        url = f" {meta.source_url}" if meta.source_url else ""
        kpis = sum(1 for kpi in knowledge.kpis.values() if kpi.plan == doc_id)
        print(
            f"  {doc_id} [{meta.language}] {meta.title_ja} / {meta.title_en} ({meta.year or 'n.d.'}): "
            f"{n} passages, {translated} translated passages, {sentences} sentences"
            + (f", {kpis} KPIs" if kpis else "")
            + url
        )
    print("\nTranslations (by this guide, not official texts):")
    from ingest.translations import translation_status

    for line in translation_status(knowledge):
        print(f"  {line}")
    print("\nDirectory records (entries per language):")
    for kind in RECORD_KINDS:
        langs = {lang: sum(1 for e in entries.values() if e.kind == kind and e.lang == lang) for lang in ("ja", "en")}
        print(f"  {kind}: {langs['ja']} ja, {langs['en']} en")
    return 0


def cmd_translations(args: argparse.Namespace, root) -> int:
    """sync: add entries for new units; status: what each translation serves; check FILE: one (part) file."""
    from ingest.loader import Problem, load_knowledge

    settings = root.index
    from ingest.translation_sync import sync_file
    from ingest.translations import TRANSLATIONS_DIR, translation_status, validate_file

    if args.action == "sync":
        knowledge = load_knowledge(settings.knowledge_dir, translations=False)
        docs = args.documents or list(knowledge.documents)
        for doc_id in docs:
            if doc_id not in knowledge.documents:
                print(f"error: unknown document '{doc_id}'", file=sys.stderr)
                return 2
            doc = knowledge.documents[doc_id]
            lang = "en" if doc.meta.language == "ja" else "ja"
            path, report = sync_file(knowledge, doc_id, lang)
            removed = f", removed {len(report.removed)} ({', '.join(report.removed[:5])})" if report.removed else ""
            print(
                f"{TRANSLATIONS_DIR}/{path.name}: kept {report.kept}, re-keyed {report.moved}, "
                f"added {report.added} untranslated{removed}"
            )
        return 0
    if args.action == "check":
        if not args.documents:
            print("error: give the translation file(s) to check", file=sys.stderr)
            return 2
        knowledge = load_knowledge(settings.knowledge_dir, translations=False)
        failed = False
        for name in args.documents:
            problems: list[Problem] = []
            warnings: list[Problem] = []
            result = validate_file(Path(name), knowledge, problems, warnings, partial=args.partial)
            for p in problems:
                print(f"error: {p}")
            for w in warnings:
                print(f"warning: {w}")
            if result is not None:
                print(
                    f"{name}: valid ({len(result.texts)} translated, {len(result.covered)} covered by KPIs, "
                    f"{len(result.untranslated)} untranslated, {len(result.stale)} stale)"
                )
            failed = failed or bool(problems)
        return 2 if failed else 0
    knowledge = load_knowledge(settings.knowledge_dir)
    print("\n".join(translation_status(knowledge)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from bot import commands

    parser = argparse.ArgumentParser(prog="guide", description="Kanazawa craft guide: knowledge, index and bot.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="validate knowledge/ and update the index")
    p.add_argument("--check", action="store_true", help="validate only; write nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-fit", action="store_true", help="do not fit the intent router afterwards")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("sources", help="what is indexed")
    p.set_defaults(func=cmd_sources)
    p = sub.add_parser("bench", help="print benchmark figures (answers by default)")
    p.add_argument(
        "what", nargs="?", default="answers", choices=["answers", "ingest", "telegram"], help="which benchmark"
    )
    p.add_argument(
        "--workers", type=int, default=1, help="telegram: N webhook worker processes sharing Redis (needs redis-server)"
    )
    p.set_defaults(func=commands.cmd_bench)
    p = sub.add_parser("ask", help="answer one question (or many with --jsonl)")
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--lang", choices=["ja", "en"], help="answer in this language")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--jsonl", action="store_true", help="questions on stdin, one JSON answer per line")
    p.add_argument("--conversation", help="keep a conversation across questions (the --jsonl default: one per line)")
    p.set_defaults(func=commands.cmd_ask)
    p = sub.add_parser("translations", help="the documents' aligned translations: status, sync, check")
    p.add_argument("action", choices=["status", "sync", "check"], help="status (default), sync, check FILE…")
    p.add_argument("documents", nargs="*", help="sync: document ids (default all); check: translation files")
    p.add_argument("--partial", action="store_true", help="check: a part file (not every unit needs an entry)")
    p.set_defaults(func=cmd_translations)
    p = sub.add_parser("serve", help="run the Telegram bot (long polling; a webhook when WEBHOOK_URL is set)")
    p.set_defaults(func=commands.cmd_serve)
    p = sub.add_parser("chat", help="a console chat with history (try the bot without Telegram)")
    p.add_argument("--lang", choices=["ja", "en"], help="answer in this language")
    p.set_defaults(func=commands.cmd_chat)
    p = sub.add_parser("eval", help="QA-set accuracy and retrieval recall over the real index")
    p.add_argument("files", nargs="*", help="QA files (default: the --split)")
    p.add_argument(
        "--split",
        choices=["dev", "heldout", "dev3", "dev4", "fresh", "all"],
        default="dev",
        help="dev (default), heldout, dev3, dev4: questions one may look at while building (heldout, dev3 and"
        " dev4 were held out until their first report); fresh: the held-out set, run only to report",
    )
    p.add_argument(
        "--xling",
        default=str(PROJECT_ROOT.parent / "shared" / "reference" / "eval" / "xling_dev.json"),
        help="cross-lingual retrieval dev set (skipped when missing)",
    )
    p.add_argument("--routing", action="store_true", help="also the routing table and the dialogue set")
    p.set_defaults(func=commands.cmd_eval)
    p = sub.add_parser("fit", help="fit the intent router on bot/data/intents.yaml for the active index")
    p.set_defaults(func=commands.cmd_fit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        from bot.settings import GuideSettings

        return args.func(args, GuideSettings())
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (IndexMissing, ModelMismatch) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except BrokenPipeError:  # `guide ask … | head`: the reader is gone, which is fine
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep Python from failing at exit
        return 0
    except KeyboardInterrupt:
        print("interrupted; the previous index is still the one served", file=sys.stderr)
        return 130
    except (OSError, sqlite3.OperationalError) as exc:  # a read-only or full data directory, a file in its way
        if not is_disk_problem(exc):
            raise
        print(f"error: cannot write to the data directory ({exc}); the previous index is unchanged", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
