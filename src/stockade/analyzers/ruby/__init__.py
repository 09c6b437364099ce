"""Ruby gems: installed specifications (``specifications/*.gemspec``) and ``Gemfile.lock``."""
