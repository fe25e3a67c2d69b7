"""Running the matrix: peer environments (uv), agents and their pools, the
runner that schedules cases, the pipeline that chains a run's steps, targeted
runs (history, bisection), plans for sharded CI runs, and ending signals.
"""
