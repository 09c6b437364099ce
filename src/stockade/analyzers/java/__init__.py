"""Java: archives (jar, war, ear and friends, nested ones included) and Maven pom.xml files."""
