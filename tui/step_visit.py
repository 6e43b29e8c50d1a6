"""The learner at one step's numbers: what counts as a try, when the solution is earned, what a
review makes of a miss. Textual-free: the lesson screen asks and shows, this decides and stores.

Fresh numbers (a new variant, or any review) start clean on screen: tries, hints and a shown
solution of other numbers stay in the record but are not shown against these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bptutor.engine.answers.grading import Verdict
    from bptutor.engine.course.model import Lesson, Step
    from bptutor.engine.course.progress import ProgressStore, StepProgress
    from bptutor.engine.course.review import ReviewSession
    from bptutor.engine.nn.training import TrainConfig

__all__ = ["REVEAL_AFTER", "SAME_NETWORK", "Recorded", "StepVisit", "variant_ordinal"]

REVEAL_AFTER = 3
"""Wrong attempts after which "show solution" needs no confirmation."""
SAME_NETWORK = ("dataset", "activation", "hidden", "loss")
"""What a run in the training view must keep of a train step's settings to count for it (the
rate, the epochs and the seed may change)."""


def variant_ordinal(variant: int, tried: frozenset[int]) -> int:
    """Which set of fresh numbers `variant` is for the learner: 1 for the first they asked for,
    2 for the next... (the variant numbers themselves skip those whose draw repeats the numbers
    on screen, so they may jump)."""
    return 1 + sum(1 for v in tried if 0 < v < variant)


@dataclass(frozen=True)
class Recorded:
    """What became of an answer: stored as a try, or the same wrong one again (not stored)."""

    counted: bool
    repeated: bool


class StepVisit:
    """One step on screen with one set of numbers (`variant`), from opening to leaving."""

    def __init__(
        self,
        store: ProgressStore,
        lesson: Lesson,
        step: Step,
        variant: int = 0,
        *,
        hints: int = 0,
        review: ReviewSession | None = None,
        aside: bool = False,
    ) -> None:
        """Opening the step marks it seen, and where the learner continues unless `aside` (a
        review, or the lesson read from one). `hints`: how many the step has."""
        self.store, self.lesson, self.step = store, lesson, step
        self.variant, self.review = variant, review
        before = self.progress
        store.mark_seen(lesson.id, step.id, continue_here=not aside)
        if step.exercise is not None:
            store.mark_variant(lesson.id, step.id, variant)
        new_numbers = variant != 0 and variant not in before.variants_solved
        self.fresh = review is not None or new_numbers
        """Numbers not solved before: a fresh variant, or a review."""
        self.solved_before = before.solved
        """The step was solved before, maybe on other numbers."""
        self.solved = before.solved and not self.fresh
        self.hints_shown = 0 if self.fresh else min(before.hints_used, hints)
        self.tries = 0  # counted answers on these numbers
        self.last_correct: str | None = None
        self.last_wrong: str | None = None  # the last answer counted as a wrong try
        self.shown_solution = False  # asked for on these numbers
        self.reveal_armed = False  # asked once early: the next ask reveals

    @property
    def progress(self) -> StepProgress:
        return self.store.step(self.lesson.id, self.step.id)

    @property
    def ordinal(self) -> int:
        """Which set of fresh numbers these are for the learner (see variant_ordinal)."""
        return variant_ordinal(self.variant, self.progress.variants_tried)

    @property
    def attempts(self) -> int:
        """Tries to show: on these numbers when fresh, else all the step's."""
        return self.tries if self.fresh else self.progress.attempts

    @property
    def revealed(self) -> bool:
        """The solution of these numbers was shown (fresh numbers start hidden)."""
        return self.shown_solution or (self.progress.revealed and not self.fresh)

    def record(self, answer: str, verdict: Verdict, *, count: bool = True) -> Recorded:
        """Store a graded answer as a try unless it could not be read, repeats the last wrong
        one (Enter pressed twice, a choice confirmed) or `count` is False."""
        repeated = not verdict.correct and answer == self.last_wrong
        counted = count and verdict.status != "invalid" and not repeated
        was_solved = self.solved
        if counted:
            self.tries += 1
            self.store.record_attempt(
                self.lesson.id,
                self.step.id,
                answer,
                verdict.status,
                verdict.mistake,
                variant=self.variant,
                review=self.review is not None,
            )
        if self.review is not None and counted:
            if not verdict.correct:
                self.review.miss()
            elif not was_solved:  # the review's outcome: up a box if it went cleanly
                self.store.record_review(self.lesson.id, self.step.id, clean=not self.review.missed)
        if verdict.status == "incorrect":
            self.last_wrong = answer
        if verdict.correct:
            self.solved = True
            self.last_correct = answer
        return Recorded(counted, repeated)

    def take_hint(self) -> None:
        """One more hint shown (a review with a hint is not clean)."""
        self.store.record_hint(self.lesson.id, self.step.id)
        if self.review is not None:
            self.review.miss()
        self.hints_shown += 1

    def ask_solution(self) -> bool:
        """ctrl+r: True when the solution is to be shown; False the first time it is asked
        before it is earned (solved, revealed before, or REVEAL_AFTER tries): confirm first."""
        progress = self.progress
        earned = progress.solved or progress.revealed or progress.attempts >= REVEAL_AFTER
        if not earned and not self.reveal_armed:
            self.reveal_armed = True
            return False
        if not self.solved:  # after solving it, looking costs nothing
            self.store.record_reveal(self.lesson.id, self.step.id)
            if self.review is not None:
                self.review.miss()
        self.shown_solution = True
        self.reveal_armed = False
        return True

    def missing_from_run(
        self, ran: TrainConfig, epoch: int, asked: TrainConfig | None
    ) -> str | None:
        """What a run of `ran` up to `epoch` in the training view lacks to finish this train
        step: a step is done when a run of its own network (`asked`) reached its epochs, not
        when the view was opened. None: nothing, it finishes the step; "": nothing to say (the
        numbers were solved before)."""
        same = asked is None or all(getattr(ran, n) == getattr(asked, n) for n in SAME_NETWORK)
        if not same and not self.solved:
            return (
                "That run was on another network than this step's (you changed a setting): "
                "press t and train the step's own network to the end."
            )
        if epoch >= ran.epochs:
            return None
        if not self.solved:
            return (
                f"Train to the end ({ran.epochs} epochs) to finish this step: "
                f"you stopped at epoch {epoch}. Press t to train again."
            )
        return ""

    def mark_solved(self) -> None:
        """Solved without an answer to grade (a train step trained to the end, a run of the
        learner's own code that matched the engine's)."""
        self.store.mark_solved(self.lesson.id, self.step.id)
        self.solved = True
