"""A warm-up module for the job-runner tests: importing it takes a second, like a (fast) TensorFlow import."""

import time

time.sleep(1.0)
