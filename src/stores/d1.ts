// Placeholder: the d1 notify store is written here.
export {};
