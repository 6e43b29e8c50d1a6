"""The language learners type answers in: the expression tree and its printing (`expr`), the
Pratt parser from text to tree (`parser`), and grading a learner's text against the engine's
expected value (`grading`). numpy only; imports nothing else of bptutor's."""
