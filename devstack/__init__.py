"""The Docker-free local stack: DynamoDB Local, tables from template.yaml, and (with
``make start``) the API served through SAM CLI's emulation and AWS's runtime emulator."""
