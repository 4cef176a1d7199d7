#include "sw/pagecache/files.h"

namespace mmusim::sw {

Inode* FileStore::find(const std::string& name) {
  auto it = m_names.find(name);
  return it == m_names.end() ? nullptr : get(it->second);
}

Inode* FileStore::get(FileId id) {
  auto it = m_inodes.find(id);
  return it == m_inodes.end() ? nullptr : it->second.get();
}

Inode& FileStore::create(const std::string& name, bool shmem) {
  auto inode = std::make_unique<Inode>();
  inode->id = m_next_inode++;
  inode->name = name;
  inode->shmem = shmem;
  Inode& ref = *inode;
  if (!shmem) m_names[name] = ref.id;
  m_inodes.emplace(ref.id, std::move(inode));
  return ref;
}

void FileStore::erase(FileId id) {
  auto it = m_inodes.find(id);
  if (it == m_inodes.end()) return;
  auto n = m_names.find(it->second->name);
  if (n != m_names.end() && n->second == id) m_names.erase(n);
  m_inodes.erase(it);
}

std::shared_ptr<OpenFile> FileStore::open(Inode& inode, bool readable, bool writable) {
  auto f = std::make_shared<OpenFile>();
  f->id = m_next_object++;
  f->inode = inode.id;
  f->readable = readable;
  f->writable = writable;
  m_open.emplace(f->id, f);
  return f;
}

OpenFile* FileStore::open_file(MappedObjectId id) {
  auto it = m_open.find(id);
  return it == m_open.end() ? nullptr : it->second.get();
}

}  // namespace mmusim::sw
