"""The `bptutor` command: argument parsing and dispatch.

Kept light on purpose: heavy modules (textual, plotext) are imported only by the subcommand
that needs them, so `bptutor --help` and `bptutor lessons check` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir


def _version() -> str:
    try:
        return version("bptutor")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def hidden_arg(text: str) -> int | tuple[int, ...]:
    """``--hidden``: one layer's size (8) or one size per hidden layer (8,8)."""
    parts = [part.strip() for part in text.split(",")]
    try:
        sizes = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 8, or one size per hidden layer such as 8,8; got {text!r}"
        ) from None
    return sizes[0] if len(sizes) == 1 else sizes


TRAIN_OPTIONS: tuple[tuple[str, str, Any, str, str], ...] = (
    # (TrainConfig field, option, type, metavar, help); TrainConfig checks the values
    ("dataset", "--dataset", str, "DATASET", "data set: %(default)s"),
    ("epochs", "--epochs", int, "N", "epochs (default %(default)s)"),
    ("learning_rate", "--lr", float, "R", "learning rate (default %(default)s)"),
    (
        "hidden",
        "--hidden",
        hidden_arg,
        "M[,M...]",
        "hidden units m, or one size per hidden layer, e.g. 8,8 (default %(default)s)",
    ),
    ("activation", "--activation", str, "ACTIVATION", "hidden activation: %(default)s"),
    ("loss", "--loss", str, "LOSS", "loss: %(default)s"),
    ("batch_size", "--batch-size", int, "B", "mini-batch size (default: %(default)s)"),
    ("seed", "--seed", int, "S", "random seed (default %(default)s)"),
)
"""`bptutor train`'s options, one per TrainConfig field (its dest)."""


class TrainDefault:
    """The value of a `bptutor train` option left out: TrainConfig's default for ``field``.

    Its text in `--help` is read from the engine only when shown: importing the engine (and
    numpy) while the parser is built would add ~0.2 s to every `bptutor` start.
    """

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    def __str__(self) -> str:
        from bptutor.engine.nn.activations import HIDDEN_ACTIVATIONS  # lazy: see above
        from bptutor.engine.nn.training import TrainConfig

        value = getattr(TrainConfig(), self.field)
        if self.field == "activation":  # the names offered, then the default
            return f"{', '.join(HIDDEN_ACTIVATIONS)} (default {value})"
        if self.field == "dataset":
            from bptutor.engine.nn.datasets import DATASET_NAMES

            return f"{', '.join(DATASET_NAMES)} (default {value})"
        if self.field == "loss":  # cross_entropy comes with softmax, for the spiral's classes
            from bptutor.engine.nn.losses import LOSSES

            return f"{', '.join(LOSSES)} (default {value}; cross_entropy: softmax outputs)"
        if value is None:
            return "full batch"
        return f"{value:g}" if isinstance(value, float) else str(value)


def _output_option(
    command: argparse.ArgumentParser, help: str = "write to FILE (default: stdout)"
) -> None:
    """--output/-o FILE: where a command that writes a report or an export puts it."""
    command.add_argument("--output", "-o", type=Path, metavar="FILE", help=help)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bptutor",
        description=(
            "A terminal tutor that teaches backpropagation by making you compute it. "
            "Run without a subcommand to open the course map."
        ),
    )
    parser.add_argument("--version", action="version", version=f"bptutor {_version()}")
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        type=Path,
        help="open a custom course from DIR (an index.toml and lesson files) instead of the "
        "built-in one; check it first with `bptutor lessons check DIR`",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="use seed N for the randomised exercises instead of your stored one "
        "(a teacher can give a whole class the same numbers)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep progress in DIR instead of the per-user data directory",
    )
    parser.add_argument(
        "--no-review",
        action="store_true",
        help="no review queue this time (bptutor progress --review off: for good)",
    )
    parser.add_argument(
        "--reset-progress",
        action="store_true",
        help="wipe your saved progress (asks for confirmation first)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    lessons = sub.add_parser("lessons", help="tools for course authors")
    lessons_sub = lessons.add_subparsers(dest="lessons_command", metavar="ACTION", required=True)
    check = lessons_sub.add_parser(
        "check",
        help="validate a course: load every lesson, draw every exercise for many seeds, "
        "check reference answers, declared mistakes and gradients",
    )
    check.add_argument(
        "dir", nargs="?", type=Path, metavar="DIR", help="course directory (default: built-in)"
    )
    check.add_argument(
        "--seeds", type=int, default=50, metavar="N", help="seeds per exercise (default 50)"
    )

    parser.add_argument(
        "--work-dir",
        type=Path,
        metavar="DIR",
        help="keep your code for the code exercises in DIR (default: <data dir>/code)",
    )

    code = sub.add_parser(
        "code", help="code exercises: list them, start one, check your file, train with it"
    )
    code_sub = code.add_subparsers(dest="code_command", metavar="ACTION", required=True)
    code_sub.add_parser("list", help="list the code exercises (LESSON/STEP) and their functions")
    start = code_sub.add_parser(
        "start",
        help="write the starter file of LESSON/STEP (never over your edits) and print its path",
    )
    start.add_argument("step", metavar="LESSON/STEP")
    start.add_argument(
        "--dir",
        type=Path,
        metavar="DIR",
        dest="code_dir",
        help="put the file in DIR (default: <work dir>/<lesson id>/)",
    )
    code_check = code_sub.add_parser(
        "check",
        help="run FILE on the step's cases and print the verdict "
        "(exit 0 right, 1 wrong, 2 cannot run)",
    )
    code_check.add_argument("step", metavar="LESSON/STEP")
    code_check.add_argument("file", type=Path, metavar="FILE")
    code_check.add_argument(
        "--seed",
        type=int,
        metavar="S",
        dest="code_seed",  # not `seed`: the top-level --seed would be overwritten with None
        help="draw the cases for seed S (default: your own seed, as in the tutor)",
    )

    code_train = code_sub.add_parser(
        "train",
        help="train XOR with your backward and print your loss beside the engine's "
        "(exit 0 matched, 1 parted, 2 cannot run)",
    )
    code_train.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="your file (default: the one in your work folder)",
    )
    code_train.add_argument(
        "--epochs", type=int, metavar="N", help="train N epochs (default: the lesson's)"
    )
    code_train.add_argument(
        "--every",
        type=int,
        metavar="K",
        help="print the two losses every K epochs (default: a tenth of the run)",
    )
    code_train.add_argument(
        "--step",
        metavar="LESSON/STEP",
        dest="train_step",
        help="the step that trains with your code (default: the course's first)",
    )

    progress = sub.add_parser(
        "progress",
        help="print or export a summary of your progress",
        description="Your progress, per lesson: exercises solved, the share at the first try, "
        "hints, solutions shown, steps in review, time spent. It is kept in progress.json in "
        "your data directory (--data-dir, else $BPTUTOR_DATA_DIR, else the per-user one: "
        f"{user_data_dir('bptutor', appauthor=False)}).",
    )
    progress.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,  # `bptutor --data-dir D progress` works as well
        help="the data directory to read (as `bptutor --data-dir DIR`)",
    )
    shown = progress.add_mutually_exclusive_group()
    shown.add_argument(
        "--export", choices=["json", "csv"], help="write the summary as JSON or CSV for a teacher"
    )
    shown.add_argument(
        "--summary",
        action="store_true",
        help="the summary in 80 columns (the default when not exporting)",
    )
    progress.add_argument(
        "--review",
        choices=["on", "off"],
        help="turn the review queue on or off (kept in your progress)",
    )
    progress.add_argument(
        "--learner",
        metavar="NAME",
        help="the learner's name in an export (default: your user name)",
    )
    _output_option(progress, "write the export to FILE (default: stdout)")

    train = sub.add_parser(
        "train", help="train the notes' network on a small data set and watch the loss fall"
    )
    for field, flag, kind, metavar, what in TRAIN_OPTIONS:
        train.add_argument(
            flag, dest=field, type=kind, metavar=metavar, default=TrainDefault(field), help=what
        )
    train.add_argument(
        "--plain",
        action="store_true",
        help="print to the terminal instead of opening the training view",
    )
    klass = sub.add_parser("class", help="tools for teachers: a report across learners")
    klass_sub = klass.add_subparsers(dest="class_command", metavar="ACTION", required=True)
    report = klass_sub.add_parser(
        "report",
        help="per lesson and step: who reached and solved it, first-try rate, median tries, "
        "hints, reveals; the commonest mistakes; who is stuck; records that disagree with the "
        "engine",
    )
    report.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="learners' data directories, progress files or exports (bptutor progress "
        "--export json); globs such as '/home/*/.local/share/bptutor' are expanded",
    )
    report.add_argument(
        "--format", choices=["text", "csv", "json"], default="text", help="default: text"
    )
    _output_option(report)
    serve = sub.add_parser(
        "serve",
        help="serve bptutor to web browsers on this machine (each tab its own bptutor, "
        "on your progress; no login: keep it on localhost and use ssh -L)",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    serve.add_argument(
        "--port", type=int, default=8000, metavar="PORT", help="TCP port (default 8000)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with standard output closed (`bptutor progress >&-`)
        if sys.stderr is not None:
            print("bptutor: standard output is closed; nothing can be shown", file=sys.stderr)
        return 2
    try:
        return _dispatch(argv)
    except BrokenPipeError:  # the reader went away (`bptutor train --plain | head -1`)
        # stop quietly: point stdout at /dev/null so the interpreter's last flush cannot fail
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 1


def _dispatch(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # each subcommand imports only what it needs (see the module docstring)
    if args.command == "lessons":
        from bptutor.tui.lessons_cli import main as lessons_check_main

        return lessons_check_main(args.dir, seeds=args.seeds)
    if args.command == "code":
        from bptutor.tui.code_cli import main as code_main  # no Textual; runs children for check

        return code_main(args)
    if args.command == "progress":
        from bptutor.tui.progress_cli import main as progress_main  # no Textual

        return progress_main(args)
    if args.command == "train":
        from bptutor.tui.train_cli import main as train_main  # Textual only without --plain

        return train_main(args)
    if args.command == "class":
        from bptutor.tui.class_cli import main as class_main  # no Textual

        return class_main(args)
    if args.command == "serve":
        from bptutor.tui.serve_cli import main as serve_main  # aiohttp, textual-serve

        return serve_main(args)
    from bptutor.tui.launch import main as launch_main  # Textual, only to run the app

    return launch_main(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
