"""The Celery app of the killed-worker benchmark (imported by the benchmark and its workers).

Settings come from the environment the benchmark sets: BENCH_REDIS_URL (broker, results and the
shared rate limit), BENCH_POSTGRES_URL (the shared journal), BENCH_VENDOR_URL / BENCH_VENDOR_KEY
(the Pass2U emulator) and BENCH_QUEUE.
"""

from __future__ import annotations

import os

from celery import Celery

import walletpass
from walletpass.celery import CeleryIssuer

broker = os.environ["BENCH_REDIS_URL"]
app = Celery("walletpass-bench", broker=broker, backend=broker)
app.conf.update(
    task_default_queue=os.environ["BENCH_QUEUE"],
    worker_prefetch_multiplier=1,
    # a chunk of 50 takes about 2 s with four workers sharing 100/s
    broker_transport_options={
        "visibility_timeout": 6,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
        # a worker killed while it held kombu's restore lock would block redelivery for 300 s
        "unacked_mutex_expire": 2,
    },
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
issuer = CeleryIssuer(
    app,
    connect=lambda: walletpass.connect(
        "pass2u",
        base_url=os.environ["BENCH_VENDOR_URL"],
        api_key=os.environ["BENCH_VENDOR_KEY"],
        rate_limit_backend=broker,
    ),
    database=os.environ["BENCH_POSTGRES_URL"],
    lease=3.0,
    chunk_size=50,
)
