"""The answering commands of `guide`: ask, chat, eval, bench, fit, serve (bot/cli.py wires them).

`guide ask --jsonl` is a batch interface: exactly one JSON line out per line in, whatever the line
holds (bytes that are not UTF-8 are replaced, an empty line gets the empty-question answer). A line
may be a question, or a JSON object {"q", "conversation", "lang"}: lines of one conversation are
answered as a dialogue.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.core.types import DialogueState
from bot.render.plain import original_lines


def engine_for(root):
    from bot.core.engine import Engine
    from bot.llm import configured_llm

    return Engine(root.index, llm=configured_llm(root.llm))


def print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.public(), ensure_ascii=False))
        return
    print(answer.answer)
    if answer.sources:
        print()
        for s in answer.sources:
            print(s.plain())
    for line in original_lines(answer):
        print(line)


def _parse_line(raw: str) -> tuple[str, str | None, str | None]:
    """(question, conversation, lang) of one --jsonl line: a JSON object, or the line itself."""
    text = raw.rstrip("\r\n")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text, None, None
        if isinstance(data, dict):
            lang = data.get("lang") if data.get("lang") in ("ja", "en") else None
            conversation = data.get("conversation")
            return str(data.get("q", "")), str(conversation) if conversation is not None else None, lang
    return text, None, None


def cmd_ask(args: argparse.Namespace, root) -> int:
    engine = engine_for(root)
    if args.jsonl:
        states: dict[str, DialogueState] = {}
        stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        for raw in stdin:
            question, conversation, lang = _parse_line(raw)
            key = conversation or args.conversation
            answer, state = engine.ask(question, states.get(key) if key else None, lang=lang or args.lang)
            if key:
                states[key] = state
            print_answer(answer, as_json=True)
            sys.stdout.flush()
        return 0
    if not args.question:
        print("error: give a question, or --jsonl to read questions from stdin", file=sys.stderr)
        return 2
    answer, _ = engine.ask(" ".join(args.question), lang=args.lang)
    print_answer(answer, as_json=args.json)
    return 0


def cmd_chat(args: argparse.Namespace, root) -> int:
    from bot.console import chat

    return chat(engine_for(root), lang=args.lang)


def cmd_eval(args: argparse.Namespace, root) -> int:
    from bot.eval_dialogue import (
        DEV3_DIALOGUES,
        DEV4_DIALOGUES,
        FRESH_DIALOGUES,
        report_lines,
        run_dialogues,
        run_routing,
    )
    from bot.evaluation import run_qa, run_xling, split_files

    engine = engine_for(root)
    files = [Path(f) for f in args.files] or split_files(args.split)
    print(f"QA files: {', '.join(f.name for f in files)}")
    print("\n".join(run_qa(engine, files).lines()))
    if args.routing:
        print()
        print("\n".join(report_lines("routing table", run_routing(engine))))
        print()
        own_file = {"dev3": DEV3_DIALOGUES, "dev4": DEV4_DIALOGUES, "fresh": FRESH_DIALOGUES}
        if args.split in own_file:  # files of their own, every dialogue in them held out (until reported)
            report = run_dialogues(engine, "heldout", own_file[args.split])
        else:
            report = run_dialogues(engine, args.split)
        print("\n".join(report_lines(f"dialogues ({args.split})", report)))
    xling = Path(args.xling)
    if xling.exists():
        print()
        print("\n".join(run_xling(engine, xling)))
    return 0


def cmd_bench(args: argparse.Namespace, root) -> int:
    from bot.bench import bench_answers, bench_ingest, bench_telegram

    if args.what == "ingest":
        return bench_ingest(root.index)
    if args.what == "telegram" and args.workers > 1:
        from bot.bench import BENCH_QUESTIONS
        from bot.bench_workers import bench_workers

        return bench_workers(root.index, args.workers, [q for q in BENCH_QUESTIONS if "weather" not in q])
    if args.what == "telegram":
        return bench_telegram(root.index)
    return bench_answers(root.index)


def fit_router_for(settings) -> str:
    """Fit (or confirm) the intent router of the active index generation; a one-line report."""
    from bot.core.entities import EntityRecognizer
    from bot.core.router import RecordSignals, Router, examples_hash, fit_router, router_path
    from bot.retrieval import HybridRetriever
    from ingest.embedders import load_embedders
    from ingest.loader import load_knowledge

    embedders = load_embedders(settings)
    retriever = HybridRetriever(settings, embedders=embedders)
    path = router_path(settings.data_dir, retriever.generation)
    stored = Router.load(path)
    if (
        stored is not None
        and stored.examples == examples_hash()
        and stored.models == {e.key: e.model_id for e in embedders}
    ):
        return f"intent router up to date ({path.name})"
    router = fit_router(embedders, EntityRecognizer(load_knowledge(settings.knowledge_dir)), RecordSignals(retriever))
    router.save(path)
    return f"intent router fitted on {len(router.labels)} examples ({path.name})"


def cmd_fit(args: argparse.Namespace, root) -> int:
    print(fit_router_for(root.index))
    return 0


def cmd_serve(args: argparse.Namespace, root) -> int:
    from bot.tg.app import main as serve

    return serve(root)
