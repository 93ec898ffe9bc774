# Read by gunicorn from the directory it starts in (`make serve`, bench/run.py).
# The national monthly workbook (36,000 projects) takes 15-30 s to write on a 2-core machine;
# gunicorn's default 30 s timeout would kill the worker in the middle of it.
timeout = 120
graceful_timeout = 30
