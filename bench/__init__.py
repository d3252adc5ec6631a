"""Benchmarks of quote2cash (issue #6): ``python -m bench`` or ``make bench``.

``e2e`` (deals through the embedded stack, with ``driver``), ``floor`` (the bare workflow
a deal is compared with), ``ingress`` (signed webhooks against one API process),
``bench_billing`` (the 10,000-line invoice), ``report`` and ``plot`` (table, JSON, PNG,
README). See bench/README.md for what each figure means.
"""
