"""`bptutor train`: plain mode output, exit codes, and the app it opens otherwise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from bptutor.tui.cli import build_parser
from bptutor.tui.train_cli import main, make_app


def parse(*argv: str):
    return build_parser().parse_args(["train", *argv])


def final_loss(text: str) -> float:
    match = re.search(r"final loss (\S+)", text)
    assert match, text
    return float(match.group(1))


def test_plain_xor_reaches_a_low_loss_and_prints_the_curve(capsys: pytest.CaptureFixture) -> None:
    code = main(parse("--plain", "--dataset", "xor", "--epochs", "2000"))
    out, err = capsys.readouterr()
    assert code == 0
    assert final_loss(out) < 0.02
    assert "┤" in out and "epoch" in out and "loss" in out  # the plotext curve
    assert "\x1b[" not in out  # not a terminal: no colour codes in the output
    # not a terminal either: progress as a few plain lines, not a carriage-return bar
    assert "\r" not in err and "epoch 2,000/2,000" in err
    # XOR: the four answers are printed and each is on the right side of 0.5
    answers = re.findall(r"y = (\S+)\s+ŷ = (\S+)", out)
    assert len(answers) == 4
    assert all(abs(float(y) - float(y_hat)) < 0.5 for y, y_hat in answers)


def test_plain_divergence_says_what_happened_and_fails(capsys: pytest.CaptureFixture) -> None:
    code = main(parse("--plain", "--lr", "1000", "--epochs", "500"))
    out, err = capsys.readouterr()
    assert code == 1
    assert "diverged" in err and "smaller" in err and "--lr 100" in err
    assert "final loss" not in out


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--dataset", "mnist"), "--dataset"),
        (("--activation", "softmax"), "--activation"),
        (("--epochs", "0"), "--epochs"),
        (("--epochs", "-5"), "--epochs"),
        (("--lr", "0"), "--lr"),
        (("--lr", "-0.1"), "--lr"),
        (("--lr", "nan"), "--lr"),
        (("--lr", "1e6"), "--lr"),
        (("--seed", "-1"), "--seed"),
        (("--epochs", "99999999999999999999999"), "--epochs"),
        (("--epochs", "1000000000000"), "--epochs"),
        (("--hidden", "99999999999999999999"), "--hidden"),
        (("--hidden", "1000000000"), "--hidden"),
        (("--batch-size", "10000000000"), "--batch-size"),
        (("--hidden", "0"), "--hidden"),
        (("--batch-size", "0"), "--batch-size"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    argv: tuple[str, ...], named: str, capsys: pytest.CaptureFixture
) -> None:
    code = main(parse("--plain", *argv))
    out, err = capsys.readouterr()
    assert code == 2
    assert named in err and "Traceback" not in err
    assert out == ""


def test_installed_command_plain_without_a_tty() -> None:
    exe = shutil.which("bptutor")
    cmd = [exe] if exe else [sys.executable, "-m", "bptutor.tui.cli"]

    def train(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cmd, "train", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )

    result = train("--plain", "--epochs", "1500")
    assert result.returncode == 0, result.stderr
    assert final_loss(result.stdout) < 0.05
    assert "┤" in result.stdout
    # without --plain and without a terminal it prints too (scripts, pipes)
    piped = train("--epochs", "500")
    assert piped.returncode == 0, piped.stderr
    assert "not a terminal" in piped.stderr and "final loss" in piped.stdout
    bad = train("--plain", "--dataset", "nope")
    assert bad.returncode == 2 and "--dataset" in bad.stderr


async def test_without_plain_the_app_opens_the_running_training_view() -> None:
    from bptutor.tui.screens.training import TrainingScreen
    from bptutor.tui.train_cli import _config

    args = parse("--epochs", "300", "--hidden", "3")
    app = make_app(_config(args))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.05)
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert screen.session.net.n_hidden == 3
        for _ in range(200):  # it started by itself and stops after the 300 epochs
            if screen.epoch >= 300 and not screen.running:
                break
            await pilot.pause(0.02)
        assert screen.epoch == 300 and not screen.running
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code == 0  # escape left the view, and that quit the app


def test_a_closed_pipe_is_not_a_traceback() -> None:
    """`bptutor train | head -3`: the reader leaves early; no BrokenPipeError traceback."""
    exe = shutil.which("bptutor")
    cmd = [exe] if exe else [sys.executable, "-m", "bptutor.tui.cli"]
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE
    try:
        result = subprocess.run(
            [*cmd, "train", "--epochs", "200"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == 0


@pytest.mark.parametrize("columns", [80, 60, 40])
def test_the_progress_bar_on_a_terminal_never_wraps(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line longer than the terminal wraps, and \\r then leaves a trail of old bars."""
    import io
    import os as os_module

    from bptutor.tui.train_cli import _Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(
        shutil,
        "get_terminal_size",
        lambda fallback=(80, 24): os_module.terminal_size((columns, 24)),
    )
    stream = Tty()
    total = 200_000
    progress = _Progress(total, stream)
    for epoch in (1, 12_345, 99_999, 199_999, total):
        progress._last = 0.0  # as if 0.1 s had passed
        progress.update(epoch, 1.23456e-29, 123_456.7, final=epoch == total)
    progress.close()
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 5
    assert all(len(frame.rstrip("\n")) < columns for frame in frames), frames
    assert "epoch 200,000/200,000" in frames[-1] or columns < 60


def test_plain_prints_one_final_loss(capsys: pytest.CaptureFixture) -> None:
    """The progress's last line and "final loss" are one number: the trained weights' loss."""
    code = main(parse("--plain", "--epochs", "300"))
    out, err = capsys.readouterr()
    assert code == 0
    last = re.findall(r"epoch 300/300 loss (\S+)", err)
    assert len(last) == 1 and float(last[0]) == pytest.approx(final_loss(out), rel=1e-5)


def test_plain_divergence_advice_is_one_sentence(capsys: pytest.CaptureFixture) -> None:
    assert main(parse("--plain", "--lr", "1000", "--epochs", "50")) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("bptutor train: diverged at epoch ")
    assert line.endswith("such as --lr 100.") and line.count(". ") == 0 and "instance" not in line


def test_train_help_lists_the_data_sets(capsys: pytest.CaptureFixture) -> None:
    from bptutor.engine.nn.datasets import DATASET_NAMES

    with pytest.raises(SystemExit):
        parse("--help")
    text = " ".join(capsys.readouterr().out.split())
    assert ", ".join(DATASET_NAMES) in text


def test_plain_trains_two_hidden_layers_with_softmax_on_the_spiral(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ("--plain", "--dataset", "spiral", "--hidden", "8,8", "--loss", "cross_entropy")
    code = main(parse(*argv, "--lr", "1", "--epochs", "600"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Training 2-8-8-3 (tanh, softmax, cross_entropy) on spiral")
    assert final_loss(out) < 0.5  # from log 3 ≈ 1.1 at the start


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("--hidden", "8,x"), "--hidden"),
        (("--hidden", "8,0"), "--hidden"),
        (("--loss", "hinge"), "--loss"),
        (("--loss", "cross_entropy"), "--loss"),  # xor has one output: no softmax over it
    ],
)
def test_bad_deep_options_name_the_option(
    argv: tuple[str, ...], named: str, capsys: pytest.CaptureFixture
) -> None:
    try:
        code = main(parse("--plain", *argv))
    except SystemExit as exc:  # argparse's own message (a size that is not a number)
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2 and named in err and "Traceback" not in err and out == ""
