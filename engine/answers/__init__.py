"""The language learners type answers in: the expression tree (`expr`, the public face of
`notation` and `tree`, and home of `tidy`), text to tree (`tokens`: the tokenizer, then
`parser`: the Pratt parser), and grading a learner's text against the engine's expected value
(`grading`, returning the types of `verdict`). numpy only; imports nothing else of bptutor's."""
