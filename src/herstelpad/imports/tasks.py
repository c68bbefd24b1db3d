"""Background imports of large uploads (django-tasks, database backend)."""

from django_tasks import task


@task()
def run_stored_import(run_id: int) -> None:
    from herstelpad.imports.services import process_stored

    process_stored(run_id)
