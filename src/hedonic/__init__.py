"""hedonic: coalitions of MLP neurons in fine-tuned transformers, found with hedonic games.

Stages, in the order data flows: ``models`` → ``data`` → ``stats`` → ``ablation`` →
``valuation`` → ``game`` → ``baselines`` → ``evaluation`` → ``tracking`` → ``report``;
``pipeline`` and ``cli`` sit on top. Shared helpers: ``errors``, ``artifacts``, ``progress``.
"""

__version__ = "0.1.0"
