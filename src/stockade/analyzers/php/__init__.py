"""PHP Composer packages: installed ``vendor/composer/installed.json`` and ``composer.lock``."""
