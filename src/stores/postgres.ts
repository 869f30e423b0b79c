// Placeholder: the postgres notify store is written here.
export {};
