"""The notes' network and its training: activations, the network, ``train``, data sets and
finite differences. numpy only; imports nothing else of bptutor's."""
