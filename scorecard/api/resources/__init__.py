"""The API's resources, one flask-smorest blueprint each (registered under /api/v1 by init_app)."""
