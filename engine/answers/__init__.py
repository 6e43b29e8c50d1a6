"""The language learners type answers in: the expression tree, the parser (text to tree),
printing, and grading (a tree against the engine's expected value). numpy only; imports nothing
else of bptutor's."""
