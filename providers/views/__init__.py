"""Views of the providers app, one module per area of work:

- `review`: procurement home, review queue, application pages, decision letters
- `requests`: requests for applications (drafts, versions, publishing, export)
- `accounts`: provider registration, colleagues, profile
- `applications`: the provider's multi-step application
- `contracts`: contracts and reviewer actions
"""
