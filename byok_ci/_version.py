__version__ = "0.2.0"
PROJECT_URL = "https://github.com/byok-ci/byok-ci"
