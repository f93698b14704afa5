"""Storage for controlled documents: files on disk with no URL at all. They reach a
browser only through a view that checks permissions (e.g. apps.waivers.views)."""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")
