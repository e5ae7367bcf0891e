"""Project tier: the repository as a whole, slower than a unit test and needing no server.

The template as aws-sam-translator expands it (what CloudFormation receives), the linters
and the pre-commit hooks run on the repository, the docs held to the code, and a copy of
the repository with a route added the way CONTRIBUTING.md says.
"""
