"""Helpers of the permission matrix (tests/test_permission_matrix.py): the URL patterns
of the project as the URLconf declares them, the world of users and objects the matrix
visits them with, and the parser of its tables."""
