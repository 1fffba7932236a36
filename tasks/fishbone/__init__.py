"""Fishbone hypotheses: the six cause categories (人机料法环测) tested on data for one problem.

A draft is only worth taking into a meeting if every cause it names is backed by numbers:
each hypothesis runs one test against a threshold of the playbook and quotes what it found.
One the data cannot test, or one that would restate how the segment is defined, says so and
is never verified. One module per category holds its tests; `registry` lists them in order
and `runner` runs them for a problem.
"""
