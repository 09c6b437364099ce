const key = "AIzameo9jv8BIbRvNXIRat9J";
const other = "AIzbcnrwXjCCwzqIrCtQSOztzOFKLxdvQ2q8vGF";
