# -*- encoding: utf-8 -*-

Gem::Specification.new do |s|
  s.name = %q{mime-types}
  s.version = Gem::Version.new("1.25")

  s.required_rubygems_version = Gem::Requirement.new(">= 0") if s.respond_to? :required_rubygems_version=
  s.authors = [%q{Austin Ziegler}]
  s.date = %q{2013-08-14}
  s.description = %q{This library allows for the identification of a file's likely MIME content type.}
  s.email = [%q{austin@rubyforge.org}]
  s.homepage = %q{http://mime-types.rubyforge.org/}
  s.license = 'MIT'
  s.require_paths = [%q{lib}]
  s.rubygems_version = %q{1.8.23}
  s.summary = %q{This library allows for the identification of a file's likely MIME content type.}
end
