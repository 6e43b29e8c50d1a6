"""The Textual front end of bptutor (it uses bptutor.engine; never the other way round)."""
