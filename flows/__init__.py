"""Prefect flows: they wire tasks in the order of the DAG and hold no logic of their own."""
