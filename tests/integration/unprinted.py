"""`csreview` as its console script runs it, but without WeasyPrint's printing: for the
subprocess runs whose subject is a process, a lock or a publish, not the PDF (printing is a
fifth of a small review's time). Run from the project root:
`python -m tests.integration.unprinted run ...`."""

from flows.cli import command
from tests.conftest import pdf_not_rendered

if __name__ == "__main__":
    with pdf_not_rendered():
        command()
