// Placeholder: the redis notify store is written here.
export {};
