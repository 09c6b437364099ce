const path = "patterns.b43f862f";
