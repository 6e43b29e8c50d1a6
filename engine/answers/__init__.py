"""The language learners type answers in: the expression tree (`expr`, the public face of
`notation`, `tree` and `tidy`), text to tree (`tokens`, then the Pratt parser in `parser`), and
grading a learner's text against the engine's expected value (`verdict`, `grading`). numpy only;
imports nothing else of bptutor's."""
